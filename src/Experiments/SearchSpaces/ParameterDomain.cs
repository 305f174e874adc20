namespace MLNet.Extensions.Experiments;

/// <summary>
/// The values one parameter may take. Tuners see every domain through the unit interval: a raw value (the number, or the
/// index of a choice) maps to [0, 1] and back, so one sampler or density model serves ranges and choices alike.
/// </summary>
public abstract class ParameterDomain
{
    /// <summary>The raw value used when nothing else is known (a range's init, a choice's default).</summary>
    public abstract double DefaultRaw { get; }

    /// <summary>Maps a raw value to [0, 1].</summary>
    public abstract double ToUnit(double raw);

    /// <summary>Maps a point of [0, 1] to a valid raw value (rounded for integers and choices).</summary>
    public abstract double FromUnit(double unit);

    /// <summary>At most <paramref name="steps"/> evenly spaced raw values for grid search (every option of a choice).</summary>
    public abstract IEnumerable<double> GridRaw(int steps);

    /// <summary>The user-facing value of a raw value.</summary>
    public abstract object Decode(double raw);

    /// <summary>A raw value drawn uniformly in the unit interval.</summary>
    internal double Sample(Random random) => FromUnit(random.NextDouble());
}
