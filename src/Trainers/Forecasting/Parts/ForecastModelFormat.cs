using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Network;

namespace MLNet.Extensions.Trainers.Forecasting.Parts;

/// <summary>
/// Saved form of a <see cref="LstmForecastModel"/> since version 0x00010004: its parts in the order a forecast runs
/// through them — <see cref="ForecastWindowingFormat"/>, <see cref="ForecastScalingFormat"/>, from 0x00010005
/// <see cref="ForecastCovariatesFormat"/>, the network as every model saves it (<see cref="NetworkPredictorFormat"/>:
/// kind, network, history, scoring settings), <see cref="ForecastBoundsFormat"/>.
/// </summary>
internal static class ForecastModelFormat
{
    /// <summary>Writes the five parts.</summary>
    public static void Write(BinaryWriter writer, LstmForecastModel model)
    {
        ForecastWindowingFormat.Write(writer, model.Windowing);
        ForecastScalingFormat.Write(writer, model.Scaling);
        ForecastCovariatesFormat.Write(writer, model.Covariates);
        NetworkPredictorFormat.Write(writer, model.Predictor);
        ForecastBoundsFormat.Write(writer, model.Bounds);
    }

    /// <summary>Reads what <see cref="Write"/> wrote (without covariates before 0x00010005) and checks that the parts fit together.</summary>
    public static LstmForecastModel Read(BinaryReader reader, bool withCovariates)
    {
        ForecastWindowing windowing = ForecastWindowingFormat.Read(reader);
        ForecastScaling scaling = ForecastScalingFormat.Read(reader);
        ForecastCovariates covariates = withCovariates ? ForecastCovariatesFormat.Read(reader) : ForecastCovariates.None;
        NetworkPredictor predictor = NetworkPredictorFormat.Read(reader);
        CheckNetwork(predictor.Network, windowing, 1 + covariates.Count);
        ForecastBounds bounds = ForecastBoundsFormat.Read(reader, windowing.Horizon);
        return new LstmForecastModel(windowing, scaling, covariates, predictor, bounds);
    }

    /// <summary>Refuses a network that does not read one window of the target and covariates or does not write the horizon's values.</summary>
    public static void CheckNetwork(NeuralNetwork network, ForecastWindowing windowing, int featuresPerStep)
    {
        int window = windowing.WindowSize, horizon = windowing.Horizon;
        if (network.Layout.Shape != TensorShape.Sequence(window, featuresPerStep) || network.Layout.TrailingFeatures != 0
            || (network.OutputSize != horizon && network.OutputSize != window * horizon))
            throw new InvalidDataException(
                $"The saved forecaster's network reads {network.Layout.Shape} and writes {network.OutputSize} values; window {window}, " +
                $"{featuresPerStep} feature(s) per step and horizon {horizon} need ({window} steps x {featuresPerStep}) and {horizon} or {window * horizon}.");
    }
}
