namespace MLNet.Extensions.Trainers.Forecasting.Parts;

/// <summary>Saved form of a <see cref="ForecastScaling"/>: float32 mean, scale.</summary>
internal static class ForecastScalingFormat
{
    /// <summary>Writes mean and scale.</summary>
    public static void Write(BinaryWriter writer, ForecastScaling scaling)
    {
        writer.Write(scaling.Mean);
        writer.Write(scaling.Scale);
    }

    /// <summary>Reads what <see cref="Write"/> wrote, refusing a non-finite mean or a scale that is not positive.</summary>
    public static ForecastScaling Read(BinaryReader reader) => Check(reader.ReadSingle(), reader.ReadSingle());

    /// <summary>The scaling of saved statistics, or <see cref="InvalidDataException"/> naming them.</summary>
    public static ForecastScaling Check(float mean, float scale)
    {
        if (!float.IsFinite(mean) || !(scale > 0) || !float.IsFinite(scale))
            throw new InvalidDataException($"The saved forecaster's scaling (mean {mean}, scale {scale}) is invalid.");
        return new ForecastScaling(mean, scale);
    }
}
