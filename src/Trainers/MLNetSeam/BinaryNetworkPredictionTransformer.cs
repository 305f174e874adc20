using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Scoring;
using MLNet.Extensions.Transforms.Persistence;

[assembly: LoadableClass(typeof(BinaryNetworkPredictionTransformer), null, typeof(SignatureLoadModel),
    "MLNet.Extensions binary network prediction", BinaryNetworkPredictionTransformer.LoaderSignature)]

namespace MLNet.Extensions.Trainers.Models;

/// <summary>
/// The binary network's prediction transformer: Score (the logit), Probability (its sigmoid) and PredictedLabel (logit
/// above 0), as ML.NET's <c>BinaryPredictionTransformer</c> writes them, scored in batches.
/// </summary>
public sealed class BinaryNetworkPredictionTransformer : NetworkPredictionTransformerBase<BinaryNetworkModelParameters>
{
    internal const string LoaderSignature = "MLNetExtNetBinPred";

    // Version history: 0x00010001 initial (ML.NET's binary transformer body: model, train schema, feature, label).
    private static VersionInfo GetVersionInfo() =>
        ModelVersions.Create("MLNXBNPT", 0x00010001, 0x00010001, LoaderSignature, typeof(BinaryNetworkPredictionTransformer));

    // The threshold on the Score column ML.NET's binary transformers use by default.
    private const float Threshold = 0f;

    private readonly string? _labelColumn;

    internal BinaryNetworkPredictionTransformer(IHostEnvironment env, BinaryNetworkModelParameters model, DataViewSchema trainSchema,
        string featureColumn, string? labelColumn)
        : base(env.Register(nameof(BinaryNetworkPredictionTransformer)), model, trainSchema, featureColumn)
    {
        _labelColumn = labelColumn;
        SetScorer();
    }

    private BinaryNetworkPredictionTransformer(IHost host, ModelLoadContext ctx)
        : base(host, ctx)
    {
        // *** Binary format *** (after ML.NET's: model, train schema, feature column): label column or null.
        _labelColumn = ctx.LoadStringOrNull();
        SetScorer();
    }

    internal static BinaryNetworkPredictionTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        return new BinaryNetworkPredictionTransformer(env.Register(nameof(BinaryNetworkPredictionTransformer)), ctx);
    }

    private protected override NetworkPredictor Predictor => Model.Predictor;

    private protected override ScoreColumns ScoreColumns { get; } = new ScoreColumns.Binary(Threshold);

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
        var args = new BinaryClassifierScorer.Arguments { Threshold = Threshold, ThresholdColumn = DefaultColumnNames.Score };
        UseScorer(new BinaryClassifierScorer(Host, args, new EmptyDataView(Host, TrainSchema), BindableMapper.Bind(Host, schema), schema));
    }
}
