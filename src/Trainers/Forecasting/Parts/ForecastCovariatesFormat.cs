namespace MLNet.Extensions.Trainers.Forecasting.Parts;

/// <summary>Saved form of <see cref="ForecastCovariates"/>: int32 count, then per covariate string name, float32 mean, scale.</summary>
internal static class ForecastCovariatesFormat
{
    /// <summary>Most covariates a saved forecaster may claim, so a damaged count cannot allocate without bound.</summary>
    private const int MaxCount = 100_000;

    /// <summary>Writes the count and each covariate's name and statistics.</summary>
    public static void Write(BinaryWriter writer, ForecastCovariates covariates)
    {
        writer.Write(covariates.Count);
        for (int c = 0; c < covariates.Count; c++)
        {
            writer.Write(covariates.Names[c]);
            writer.Write(covariates.Means[c]);
            writer.Write(covariates.Scales[c]);
        }
    }

    /// <summary>Reads what <see cref="Write"/> wrote, refusing a bad count, empty or repeated names, or invalid statistics.</summary>
    public static ForecastCovariates Read(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count is < 0 or > MaxCount)
            throw new InvalidDataException($"The saved forecaster's covariate count ({count}) is invalid; expected 0 to {MaxCount}.");
        if (count == 0)
            return ForecastCovariates.None;
        var names = new string[count];
        var means = new float[count];
        var scales = new float[count];
        for (int c = 0; c < count; c++)
        {
            names[c] = reader.ReadString();
            means[c] = reader.ReadSingle();
            scales[c] = reader.ReadSingle();
            if (string.IsNullOrWhiteSpace(names[c]) || !float.IsFinite(means[c]) || !(scales[c] > 0) || !float.IsFinite(scales[c]))
                throw new InvalidDataException($"The saved forecaster's covariate {c} ('{names[c]}', mean {means[c]}, scale {scales[c]}) is invalid.");
        }
        if (names.Distinct().Count() != count)
            throw new InvalidDataException($"The saved forecaster's covariate names ({string.Join(", ", names)}) repeat a name.");
        return new ForecastCovariates(names, means, scales);
    }
}
