using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Scoring;
using MLNet.Extensions.Transforms.Persistence;

[assembly: LoadableClass(typeof(MulticlassNetworkPredictionTransformer), null, typeof(SignatureLoadModel),
    "MLNet.Extensions multiclass network prediction", MulticlassNetworkPredictionTransformer.LoaderSignature)]

namespace MLNet.Extensions.Trainers.Models;

/// <summary>
/// The multiclass network's prediction transformer: Score (softmax probabilities, slot names from the label's key values)
/// and PredictedLabel (a key), as ML.NET's <c>MulticlassPredictionTransformer</c> writes them, scored in batches.
/// </summary>
public sealed class MulticlassNetworkPredictionTransformer : NetworkPredictionTransformerBase<MulticlassNetworkModelParameters>
{
    internal const string LoaderSignature = "MLNetExtNetMcPred";

    // Version history: 0x00010001 initial (ML.NET's multiclass transformer body: model, train schema, feature, label).
    private static VersionInfo GetVersionInfo() =>
        ModelVersions.Create("MLNXMCPT", 0x00010001, 0x00010001, LoaderSignature, typeof(MulticlassNetworkPredictionTransformer));

    private readonly string? _labelColumn;

    internal MulticlassNetworkPredictionTransformer(IHostEnvironment env, MulticlassNetworkModelParameters model, DataViewSchema trainSchema,
        string featureColumn, string? labelColumn)
        : base(env.Register(nameof(MulticlassNetworkPredictionTransformer)), model, trainSchema, featureColumn)
    {
        _labelColumn = labelColumn;
        SetScorer();
    }

    private MulticlassNetworkPredictionTransformer(IHost host, ModelLoadContext ctx)
        : base(host, ctx)
    {
        // *** Binary format *** (after ML.NET's: model, train schema, feature column): label column or null.
        _labelColumn = ctx.LoadStringOrNull();
        SetScorer();
    }

    internal static MulticlassNetworkPredictionTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        return new MulticlassNetworkPredictionTransformer(env.Register(nameof(MulticlassNetworkPredictionTransformer)), ctx);
    }

    private protected override NetworkPredictor Predictor => Model.Predictor;

    private protected override ScoreColumns ScoreColumns { get; } =
        new ScoreColumns.Multiclass(DefaultColumnNames.Score, DefaultColumnNames.PredictedLabel);

    /// <inheritdoc />
    protected override void SaveCore(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        base.SaveCore(ctx);
        ctx.SaveStringOrNull(_labelColumn);
    }

    private void SetScorer()
    {
        var schema = new RoleMappedSchema(TrainSchema, _labelColumn, FeatureColumnName);
        var args = new MulticlassClassificationScorer.Arguments
        {
            ScoreColumnName = DefaultColumnNames.Score,
            PredictedLabelColumnName = DefaultColumnNames.PredictedLabel,
        };
        UseScorer(new MulticlassClassificationScorer(Host, args, new EmptyDataView(Host, TrainSchema), BindableMapper.Bind(Host, schema), schema));
    }
}
