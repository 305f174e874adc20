using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Trainers.Models;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>Trains a network (CNN or LSTM) for regression; the label must be Single.</summary>
public sealed class RegressionNetworkTrainer
    : NetworkTrainerBase<RegressionNetworkPredictionTransformer, RegressionNetworkModelParameters>
{
    internal RegressionNetworkTrainer(IHostEnvironment env, INetworkFactory factory, Action<TrainingProgress>? progress)
        : base(env, nameof(RegressionNetworkTrainer), factory, PredictionTask.Regression,
            new SchemaShape.Column(factory.Options.LabelColumnName, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single, isKey: false),
            progress)
    {
    }

    /// <inheritdoc />

    protected override PredictionKind PredictionKind => PredictionKind.Regression;

    private protected override string? LabelProblem(SchemaShape.Column label) =>
        !label.IsKey && label.ItemType.Equals(NumberDataViewType.Single) ? null
            : $"must be Single for regression; it is {Describe(label)}. Convert it with ConvertType(..., DataKind.Single).";

    private protected override RegressionNetworkModelParameters CreateModel(NetworkPredictor predictor) => new(Host, predictor);

    /// <inheritdoc />

    protected override SchemaShape.Column[] GetOutputColumnsCore(SchemaShape inputSchema) =>
    [
        new SchemaShape.Column(DefaultColumnNames.Score, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single, false, TrainerOutput()),
    ];

    /// <inheritdoc />

    protected override RegressionNetworkPredictionTransformer MakeTransformer(
        RegressionNetworkModelParameters model, DataViewSchema trainSchema)
        => new(Host, model, trainSchema, FeatureColumn.Name);
}
