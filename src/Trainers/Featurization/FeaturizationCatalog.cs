using MLNet.Extensions.Transforms.MLNetSeam;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Trainers.Models;

namespace MLNet.Extensions.Trainers.Featurization;

/// <summary>The network featurizer as an ML.NET catalog entry: <c>mlContext.Transforms.FeaturizeByNetwork(model, ...)</c>.</summary>
public static class FeaturizationCatalog
{
    /// <summary>Outputs <paramref name="model"/>'s penultimate layer for <paramref name="inputColumnName"/> as <paramref name="outputColumnName"/>.</summary>
    public static NetworkFeaturizerEstimator FeaturizeByNetwork<TOutput>(this TransformsCatalog catalog, NetworkModelParametersBase<TOutput> model,
        string outputColumnName, string inputColumnName = "Features")
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        return new NetworkFeaturizerEstimator(CatalogEnvironment.Of(catalog), outputColumnName, inputColumnName, model.Predictor);
    }
}
