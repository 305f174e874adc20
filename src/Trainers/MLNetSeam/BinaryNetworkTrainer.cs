using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Trainers.Models;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>Trains a network (CNN or LSTM) for binary classification; the label must be Boolean.</summary>
public sealed class BinaryNetworkTrainer
    : NetworkTrainerBase<BinaryNetworkPredictionTransformer, BinaryNetworkModelParameters>
{
    internal BinaryNetworkTrainer(IHostEnvironment env, INetworkFactory factory, Action<TrainingProgress>? progress)
        : base(env, nameof(BinaryNetworkTrainer), factory, PredictionTask.BinaryClassification,
            new SchemaShape.Column(factory.Options.LabelColumnName, SchemaShape.Column.VectorKind.Scalar, BooleanDataViewType.Instance, isKey: false),
            progress)
    {
        // ML.NET's binary scorer binds only known-size feature vectors; say so now rather than after training.
        if (factory.AcceptsVariableLength)
            throw new ArgumentException(
                "Option VariableLength is true, but ML.NET's binary classification scorer needs a fixed-size feature vector; " +
                "pad the sequences to one length, or train a multiclass classifier with 2 classes (a key label) instead.", "VariableLength");
    }

    /// <inheritdoc />

    protected override PredictionKind PredictionKind => PredictionKind.BinaryClassification;

    private protected override string? LabelProblem(SchemaShape.Column label) =>
        !label.IsKey && label.Kind == SchemaShape.Column.VectorKind.Scalar && label.ItemType.Equals(BooleanDataViewType.Instance) ? null
            : $"must be Boolean for binary classification; it is {Describe(label)}. Convert it (e.g. a CustomMapping or an expression \"Label > 0\"), or use multiclass with MapValueToKey.";

    private protected override BinaryNetworkModelParameters CreateModel(NetworkPredictor predictor) => new(Host, predictor);

    /// <inheritdoc />

    protected override SchemaShape.Column[] GetOutputColumnsCore(SchemaShape inputSchema) =>
    [
        new SchemaShape.Column(DefaultColumnNames.Score, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single, false, TrainerOutput()),
        new SchemaShape.Column(DefaultColumnNames.Probability, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single, false, TrainerOutput(true)),
        new SchemaShape.Column(DefaultColumnNames.PredictedLabel, SchemaShape.Column.VectorKind.Scalar, BooleanDataViewType.Instance, false, TrainerOutput()),
    ];

    /// <inheritdoc />

    protected override BinaryNetworkPredictionTransformer MakeTransformer(
        BinaryNetworkModelParameters model, DataViewSchema trainSchema)
        => new(Host, model, trainSchema, FeatureColumn.Name, LabelColumn.Name);
}
