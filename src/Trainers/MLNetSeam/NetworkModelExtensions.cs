using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Trainers.Forecasting;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Models;

/// <summary>Finds our network model in a fitted pipeline, so its history is one typed call away (no casts through OfType).</summary>
public static class NetworkModelExtensions
{
    /// <summary>
    /// The network model of <paramref name="model"/>: the prediction transformer of one of our trainers, or the last one in a
    /// <see cref="TransformerChain{TLastTransformer}"/> (searched from the end, nested chains included). Throws
    /// <see cref="ArgumentException"/> when the pipeline holds none.
    /// </summary>
    public static INetworkModel GetNetworkModel(this ITransformer model) =>
        Find(model ?? throw new ArgumentNullException(nameof(model)))
        ?? throw new ArgumentException(
            $"The fitted pipeline ({model.GetType().Name}) holds no network trained by this library; fit a pipeline that ends in a Cnn or Lstm trainer.",
            nameof(model));

    /// <summary>
    /// The per-epoch training history of the network in <paramref name="model"/> (see <see cref="GetNetworkModel"/>), or of an
    /// LSTM forecaster; throws <see cref="ArgumentException"/> when the pipeline holds neither.
    /// </summary>
    public static IReadOnlyList<TrainingProgress> GetTrainingHistory(this ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (FindForecaster(model) is { } forecaster)
            return forecaster.TrainingHistory;
        return model.GetNetworkModel().TrainingHistory;
    }

    private static INetworkModel? Find(ITransformer transformer) => transformer switch
    {
        IPredictionTransformer<INetworkModel> prediction => prediction.Model,
        IEnumerable<ITransformer> chain => chain.Reverse().Select(Find).FirstOrDefault(m => m is not null),
        _ => null,
    };

    private static LstmForecastingTransformer? FindForecaster(ITransformer transformer) => transformer switch
    {
        LstmForecastingTransformer forecaster => forecaster,
        IEnumerable<ITransformer> chain => chain.Reverse().Select(FindForecaster).FirstOrDefault(m => m is not null),
        _ => null,
    };
}
