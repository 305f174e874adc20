using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Trainers.Models;

namespace MLNet.Extensions.Trainers.Tests.Support;

/// <summary>Finds the network model inside a fitted pipeline.</summary>
public static class ModelExtensions
{
    /// <summary>The first network model parameters in <paramref name="chain"/>.</summary>
    public static MulticlassNetworkModelParameters GetModelParameters(this IEnumerable<ITransformer> chain) =>
        chain.OfType<ISingleFeaturePredictionTransformer<MulticlassNetworkModelParameters>>().Single().Model;
}
