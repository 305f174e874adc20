using MLNet.Extensions.Transforms.Persistence;

namespace MLNet.Extensions.Trainers.Forecasting.Parts;

/// <summary>Saved form of <see cref="ForecastBounds"/>: float32 level, <see cref="FloatBlock"/> half-widths (one per horizon step).</summary>
internal static class ForecastBoundsFormat
{
    /// <summary>Writes level and half-widths.</summary>
    public static void Write(BinaryWriter writer, ForecastBounds bounds)
    {
        writer.Write(bounds.Level);
        FloatBlock.Write(writer, bounds.HalfWidths);
    }

    /// <summary>Reads what <see cref="Write"/> wrote for <paramref name="horizon"/> steps, refusing a level outside (0, 1) or negative widths.</summary>
    public static ForecastBounds Read(BinaryReader reader, int horizon)
    {
        float level = reader.ReadSingle();
        float[] halfWidths = FloatBlock.Read(reader, "forecaster bound half-widths");
        if (!(level is > 0 and < 1) || halfWidths.Length != horizon || halfWidths.Any(w => w < 0))
            throw new InvalidDataException(
                $"The saved forecaster's bounds (level {level}, {halfWidths.Length} half-widths, smallest {(halfWidths.Length > 0 ? halfWidths.Min() : 0)}) are invalid for horizon {horizon}.");
        return new ForecastBounds(level, halfWidths);
    }
}
