namespace MLNet.Extensions.Trainers.Forecasting.Parts;

/// <summary>Saved form of a <see cref="ForecastWindowing"/>: int32 window size, horizon, differencing order.</summary>
internal static class ForecastWindowingFormat
{
    /// <summary>Writes the three settings.</summary>
    public static void Write(BinaryWriter writer, ForecastWindowing windowing)
    {
        writer.Write(windowing.WindowSize);
        writer.Write(windowing.Horizon);
        writer.Write(windowing.DifferencingOrder);
    }

    /// <summary>Reads what <see cref="Write"/> wrote, refusing settings Fit could not have produced.</summary>
    public static ForecastWindowing Read(BinaryReader reader)
    {
        int window = reader.ReadInt32(), horizon = reader.ReadInt32(), order = reader.ReadInt32();
        return Check(window, horizon, order);
    }

    /// <summary>The windowing of saved settings, or <see cref="InvalidDataException"/> naming them.</summary>
    public static ForecastWindowing Check(int window, int horizon, int order)
    {
        if (window is < 1 or > 1_000_000 || horizon is < 1 or > 1_000_000 || order is not (0 or 1))
            throw new InvalidDataException($"The saved forecaster's windowing (window {window}, horizon {horizon}, differencing {order}) is invalid.");
        return new ForecastWindowing(window, horizon, order);
    }
}
