using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Trainers.Models;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>Trains a network (CNN or LSTM) for multiclass classification; the label must be a key (use MapValueToKey).</summary>
public sealed class MulticlassNetworkTrainer
    : NetworkTrainerBase<MulticlassNetworkPredictionTransformer, MulticlassNetworkModelParameters>
{
    internal MulticlassNetworkTrainer(IHostEnvironment env, INetworkFactory factory, Action<TrainingProgress>? progress)
        : base(env, nameof(MulticlassNetworkTrainer), factory, PredictionTask.MulticlassClassification,
            new SchemaShape.Column(factory.Options.LabelColumnName, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, isKey: true),
            progress)
    {
    }

    /// <inheritdoc />

    protected override PredictionKind PredictionKind => PredictionKind.MulticlassClassification;

    private protected override int OutputCount(DataViewSchema.Column label)
    {
        if (label.Type is not KeyDataViewType key || key.Count > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(label), label.Type,
                $"Label column '{label.Name}' must be a key type (use MapValueToKey); it is {label.Type}.");
        if (key.Count < 2)
            throw new ArgumentOutOfRangeException(nameof(label), key.Count,
                $"Label column '{label.Name}' has {key.Count} classes; classification needs at least 2 (is the training data empty?).");
        return (int)key.Count;
    }

    private protected override string? LabelProblem(SchemaShape.Column label) =>
        label.IsKey && label.Kind == SchemaShape.Column.VectorKind.Scalar ? null
            : $"must be a key type (use MapValueToKey on it first); it is {Describe(label)}.";

    private protected override MulticlassNetworkModelParameters CreateModel(NetworkPredictor predictor) => new(Host, predictor);

    /// <inheritdoc />

    protected override SchemaShape.Column[] GetOutputColumnsCore(SchemaShape inputSchema)
    {
        bool found = inputSchema.TryFindColumn(LabelColumn.Name, out var labelColumn);
        Host.Assert(found);
        var predictedLabelAnnotations = new SchemaShape(labelColumn.Annotations.Where(a => a.Name == AnnotationUtils.Kinds.KeyValues)
            .Concat(AnnotationUtils.GetTrainerOutputAnnotation()));
        return
        [
            new SchemaShape.Column(DefaultColumnNames.Score, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false,
                new SchemaShape(AnnotationUtils.AnnotationsForMulticlassScoreColumn(labelColumn))),
            new SchemaShape.Column(DefaultColumnNames.PredictedLabel, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true,
                predictedLabelAnnotations),
        ];
    }

    /// <inheritdoc />

    protected override MulticlassNetworkPredictionTransformer MakeTransformer(
        MulticlassNetworkModelParameters model, DataViewSchema trainSchema)
        => new(Host, model, trainSchema, FeatureColumn.Name, LabelColumn.Name);
}
