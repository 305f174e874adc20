namespace MLNet.Extensions.Experiments;

/// <summary>A choice among values (numbers, strings, enums, Booleans), each option optionally carrying a nested space.</summary>
public sealed class ChoiceDomain : ParameterDomain
{
    /// <summary>Validates the options; <paramref name="name"/> names the parameter in errors.</summary>
    public ChoiceDomain(string name, IReadOnlyList<ChoiceOption> options, int defaultIndex = 0)
    {
        if (options is null || options.Count == 0)
            throw new ArgumentException($"Choice '{name}' has no options; expected at least one.", nameof(options));
        if (defaultIndex < 0 || defaultIndex >= options.Count)
            throw new ArgumentException($"Choice '{name}' has default index {defaultIndex}; expected 0..{options.Count - 1}.", nameof(defaultIndex));
        if (options.Select(o => o.Value).Distinct().Count() != options.Count)
            throw new ArgumentException($"Choice '{name}' lists a value twice.", nameof(options));
        Options = options.ToArray();
        DefaultIndex = defaultIndex;
    }

    /// <summary>The options in order.</summary>
    public IReadOnlyList<ChoiceOption> Options { get; }

    /// <summary>Index of the default option.</summary>
    public int DefaultIndex { get; }

    /// <inheritdoc />
    public override double DefaultRaw => DefaultIndex;

    /// <inheritdoc />
    public override double ToUnit(double raw) => (raw + 0.5) / Options.Count;

    /// <inheritdoc />
    public override double FromUnit(double unit) => Math.Clamp((int)Math.Floor(Math.Clamp(unit, 0, 1) * Options.Count), 0, Options.Count - 1);

    /// <inheritdoc />
    public override IEnumerable<double> GridRaw(int steps) => Enumerable.Range(0, Options.Count).Select(i => (double)i);

    /// <inheritdoc />
    public override object Decode(double raw) => Options[(int)raw].Value;

    /// <inheritdoc />
    public override string ToString() => $"choice [{string.Join(", ", Options.Select(o => o.Value))}]";
}
