using Microsoft.ML;
using MLNet.Extensions.Trainers.Network;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>
/// The network-specific half of a trainer (CNN or sequence): it reads the feature column's shape, turns the options into
/// a layer stack for a task, and optionally augments batches. The task-specific half lives in <see cref="NetworkTrainerBase{TTransformer, TModel}"/>.
/// </summary>
internal interface INetworkFactory
{
    /// <summary>The trainer's options.</summary>
    NetworkTrainingOptions Options { get; }

    /// <summary>Whether the feature column may hold vectors of varying length (sequences).</summary>
    bool AcceptsVariableLength { get; }

    /// <summary>How to read the feature column; throws <see cref="ArgumentException"/> naming it when its type does not fit.</summary>
    InputLayout ResolveLayout(DataViewSchema.Column featureColumn, IDataView data);

    /// <summary>A network on <paramref name="layout"/> with <paramref name="outputs"/> outputs, initialized from <paramref name="seed"/> (the Fit's resolved seed).</summary>
    NeuralNetwork Create(InputLayout layout, int outputs, PredictionTask task, int seed);

    /// <summary>Batch augmentation for training drawing from <paramref name="seed"/>, or null.</summary>
    Action<TrainingBatch>? CreateAugmentation(InputLayout layout, int seed);
}
