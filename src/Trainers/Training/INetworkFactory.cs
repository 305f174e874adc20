using Microsoft.ML;
using MLNet.Extensions.Trainers.Data;
using MLNet.Extensions.Trainers.Models;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>
/// The network-specific half of a trainer (CNN or LSTM): it reads the feature column's shape, builds an initialized
/// network for a task, and optionally augments batches. The task-specific half lives in <see cref="NetworkTrainerBase{TTransformer, TModel}"/>.
/// </summary>
internal interface INetworkFactory
{
    /// <summary>The trainer's options.</summary>
    NetworkTrainingOptions Options { get; }

    /// <summary>Whether the feature column may hold vectors of varying length (sequences).</summary>
    bool AcceptsVariableLength { get; }

    /// <summary>How to read the feature column; throws <see cref="ArgumentException"/> naming it when its type does not fit.</summary>
    FeatureLayout ResolveLayout(DataViewSchema.Column featureColumn, IDataView data);

    /// <summary>A freshly initialized network with <paramref name="outputs"/> outputs, its training adapter and its predictor.</summary>
    (ITrainableNetwork Trainable, NetworkPredictor Predictor) Create(FeatureLayout layout, int outputs, PredictionTask task);

    /// <summary>Batch augmentation for training, or null.</summary>
    Action<TrainingBatch>? CreateAugmentation(FeatureLayout layout);
}
