using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Trainers.Scoring;

namespace MLNet.Extensions.Trainers.Models;

/// <summary>
/// A trained network's prediction transformer. It keeps ML.NET's scorer for the task (the output schema, the row-to-row
/// mapper a <c>PredictionEngine</c> uses one row at a time), but <see cref="Transform"/> scores blocks of rows as one
/// batch through the network's batched kernels.
/// </summary>
/// <typeparam name="TModel">The task's model parameters.</typeparam>
public abstract class NetworkPredictionTransformerBase<TModel> : SingleFeaturePredictionTransformerBase<TModel>, ITransformer
    where TModel : class
{
    private protected NetworkPredictionTransformerBase(IHost host, TModel model, DataViewSchema trainSchema, string featureColumn)
        : base(host, model, trainSchema, featureColumn)
    {
    }

    private protected NetworkPredictionTransformerBase(IHost host, ModelLoadContext ctx)
        : base(host, ctx)
    {
    }

    private protected abstract NetworkPredictor Predictor { get; }

    private protected abstract ScoreColumns ScoreColumns { get; }

    /// <summary>Scores <paramref name="input"/> lazily, a block of rows at a time; the columns are those of ML.NET's scorer.</summary>
    public new IDataView Transform(IDataView input)
    {
        Host.CheckValue(input, nameof(input));
        IDataView scorer = base.Transform(input);
        return new BatchScoringDataView(input, scorer, Predictor, ScoreColumns, FeatureColumnName);
    }

    IDataView ITransformer.Transform(IDataView input) => Transform(input);

    /// <summary>The scorer ML.NET's own transformer for the task would build.</summary>
    private protected void UseScorer(RowToRowScorerBase scorer) => Scorer = scorer;
}
