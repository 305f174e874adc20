using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Scoring;
using MLNet.Extensions.Transforms.Persistence;

[assembly: LoadableClass(typeof(RegressionNetworkPredictionTransformer), null, typeof(SignatureLoadModel),
    "MLNet.Extensions regression network prediction", RegressionNetworkPredictionTransformer.LoaderSignature)]

namespace MLNet.Extensions.Trainers.Models;

/// <summary>The regression network's prediction transformer: Score, as ML.NET's <c>RegressionPredictionTransformer</c> writes it, scored in batches.</summary>
public sealed class RegressionNetworkPredictionTransformer : NetworkPredictionTransformerBase<RegressionNetworkModelParameters>
{
    internal const string LoaderSignature = "MLNetExtNetRegPred";

    // Version history: 0x00010001 initial (ML.NET's regression transformer body: model, train schema, feature column).
    private static VersionInfo GetVersionInfo() =>
        ModelVersions.Create("MLNXRGPT", 0x00010001, 0x00010001, LoaderSignature, typeof(RegressionNetworkPredictionTransformer));

    internal RegressionNetworkPredictionTransformer(IHostEnvironment env, RegressionNetworkModelParameters model, DataViewSchema trainSchema,
        string featureColumn)
        : base(env.Register(nameof(RegressionNetworkPredictionTransformer)), model, trainSchema, featureColumn)
    {
        UseScorer(GetGenericScorer());
    }

    private RegressionNetworkPredictionTransformer(IHost host, ModelLoadContext ctx)
        : base(host, ctx)
    {
        UseScorer(GetGenericScorer());
    }

    internal static RegressionNetworkPredictionTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        return new RegressionNetworkPredictionTransformer(env.Register(nameof(RegressionNetworkPredictionTransformer)), ctx);
    }

    private protected override NetworkPredictor Predictor => Model.Predictor;

    private protected override ScoreColumns ScoreColumns { get; } = new ScoreColumns.Regression();

    /// <inheritdoc />
    protected override void SaveCore(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        base.SaveCore(ctx);
    }
}
