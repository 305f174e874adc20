namespace MLNet.Extensions.Trainers.Models;

/// <summary>
/// The per-component mean and scale a regression network's targets were standardised with: training sees
/// (label - mean) / scale, scoring returns output * scale + mean, so the network learns unit-scale targets whatever the
/// label's units. Saved form: int32 component count, then the means and the scales as Single.
/// </summary>
internal sealed class TargetScaling
{
    public TargetScaling(float[] mean, float[] scale)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(scale);
        if (mean.Length == 0 || mean.Length != scale.Length)
            throw new ArgumentException($"Target scaling needs one mean and one scale per component; got {mean.Length} and {scale.Length}.", nameof(scale));
        foreach (float s in scale)
        {
            if (!float.IsFinite(s) || s <= 0)
                throw new ArgumentException($"Target scales must be positive and finite; got {s}.", nameof(scale));
        }
        foreach (float m in mean)
        {
            if (!float.IsFinite(m))
                throw new ArgumentException($"Target means must be finite; got {m}.", nameof(mean));
        }
        Mean = mean;
        Scale = scale;
    }

    /// <summary>Mean of each target component over the training rows.</summary>
    public float[] Mean { get; }

    /// <summary>Standard deviation of each component (1 where the component is constant).</summary>
    public float[] Scale { get; }

    /// <summary>Components per sample.</summary>
    public int Components => Mean.Length;

    /// <summary>targets := (targets - mean) / scale, sample after sample.</summary>
    public void Standardize(Span<float> targets)
    {
        for (int i = 0; i < targets.Length; i++)
            targets[i] = (targets[i] - Mean[i % Components]) / Scale[i % Components];
    }

    /// <summary>outputs := outputs * scale + mean, sample after sample: the network's outputs in the label's units.</summary>
    public void Restore(Span<float> outputs)
    {
        for (int i = 0; i < outputs.Length; i++)
            outputs[i] = outputs[i] * Scale[i % Components] + Mean[i % Components];
    }

    /// <summary>Writes the saved form.</summary>
    public void Write(BinaryWriter writer)
    {
        writer.Write(Components);
        foreach (float m in Mean)
            writer.Write(m);
        foreach (float s in Scale)
            writer.Write(s);
    }

    /// <summary>Reads what <see cref="Write"/> wrote for a network of <paramref name="outputs"/> outputs.</summary>
    public static TargetScaling Read(BinaryReader reader, int outputs)
    {
        int count = reader.ReadInt32();
        if (count != outputs)
            throw new InvalidDataException($"The saved target scaling has {count} components; the network has {outputs} outputs.");
        var mean = new float[count];
        var scale = new float[count];
        for (int i = 0; i < count; i++)
            mean[i] = reader.ReadSingle();
        for (int i = 0; i < count; i++)
            scale[i] = reader.ReadSingle();
        try
        {
            return new TargetScaling(mean, scale);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"The saved target scaling is invalid: {e.Message}", e);
        }
    }
}
