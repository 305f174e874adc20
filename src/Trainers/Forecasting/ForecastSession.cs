using MLNet.Extensions.Trainers.Models;

namespace MLNet.Extensions.Trainers.Forecasting;

/// <summary>Scratch buffers for one caller of <see cref="LstmForecastModel.Forecast"/>.</summary>
internal sealed class ForecastSession
{
    public ForecastSession(LstmForecastModel model)
    {
        Predictor = model.Predictor.CreateSession();
        Window = new float[model.HistoryLength];
        Input = model.Covariates.Count == 0 ? [] : new float[model.WindowSize * model.FeaturesPerStep];
        Output = new float[model.Predictor.OutputSize];
    }

    /// <summary>The predictor's session for one sequence.</summary>
    public IPredictorSession Predictor { get; }

    /// <summary>The recent values, differenced and standardized into the window in place.</summary>
    public float[] Window { get; }

    /// <summary>The window interleaved with the standardized covariates, step by step (empty without covariates, when the window is the input).</summary>
    public float[] Input { get; }

    /// <summary>The network's outputs (the last Horizon are the forecast).</summary>
    public float[] Output { get; }
}
