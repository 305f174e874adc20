using MLNet.Extensions.Transforms.Persistence;
using MLNet.Extensions.Trainers.Forecasting.Parts;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Network;

namespace MLNet.Extensions.Trainers.Forecasting.Legacy;

/// <summary>
/// Reads the forecaster as one block, as versions 0x00010001-0x00010003 saved it, into today's parts. Layout (model
/// format 3): int32 windowSize, horizon, differencingOrder; float32 mean, scale, confidenceLevel; FloatBlock residual
/// spreads; the network in NetworkFormat; byte scoring flags (bit 0: non-finite inputs give NaN). Format 2 had no flags;
/// format 1 had, instead of the network, int32 hiddenSize, layerCount; bool everyStep (before the spreads) and the LSTM
/// parameters after them. The training history, which followed, is read by the caller.
/// </summary>
internal static class LegacyForecastFormat
{
    /// <summary>Reads format <paramref name="version"/> (1-3); <paramref name="column"/> is the series column errors name.</summary>
    public static LstmForecastModel Read(BinaryReader reader, int version, string column)
    {
        int window = reader.ReadInt32(), horizon = reader.ReadInt32(), order = reader.ReadInt32();
        float mean = reader.ReadSingle(), scale = reader.ReadSingle(), confidence = reader.ReadSingle();
        ForecastWindowing windowing = ForecastWindowingFormat.Check(window, horizon, order);
        ForecastScaling scaling = ForecastScalingFormat.Check(mean, scale);
        if (!(confidence is > 0 and < 1) || !FloatBlock.Fits(reader, horizon))
            throw new InvalidDataException($"The saved forecaster's confidence level ({confidence}) or residual spreads are invalid.");
        var spreads = new float[horizon];
        NeuralNetwork network;
        if (version == 1)
        {
            int hidden = reader.ReadInt32(), layers = reader.ReadInt32();
            bool everyStep = NetworkFormat.ReadFlag(reader);
            if (hidden is < 1 or > 16_384 || layers is < 1 or > 1000)
                throw new InvalidDataException("The saved forecaster's network settings are invalid.");
            FloatBlock.ReadInto(reader, spreads, "forecaster residual spreads");
            network = NetworkFormat.Rebuild(reader, new InputLayout(TensorShape.Sequence(window, 1)),
                LstmForecastModel.Stack(horizon, hidden, layers, everyStep), "forecaster LSTM", readState: false);
        }
        else
        {
            FloatBlock.ReadInto(reader, spreads, "forecaster residual spreads");
            network = NetworkFormat.Read(reader);
            ForecastModelFormat.CheckNetwork(network, windowing, 1);
        }
        byte flags = version >= 3 ? reader.ReadByte() : (byte)0;
        if (flags > 1)
            throw new InvalidDataException($"The saved forecaster's scoring flags ({flags}) are invalid.");
        var predictor = new NetworkPredictor(network) { FeatureColumnName = column, NonFiniteInputsGiveNaN = flags == 1 };
        return new LstmForecastModel(windowing, scaling, ForecastCovariates.None, predictor, ForecastBounds.FromSpread(confidence, spreads));
    }
}
