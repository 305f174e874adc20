namespace MLNet.Extensions.Experiments;

/// <summary>A numeric range, linear or logarithmic, of floats or integers (as <c>RangeAttribute(min, max, init, logBase)</c>).</summary>
public sealed class RangeDomain : ParameterDomain
{
    /// <summary>Validates the range; <paramref name="name"/> names the parameter in errors.</summary>
    public RangeDomain(string name, double min, double max, bool logScale = false, bool isInteger = false, double? init = null)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max))
            throw new ArgumentException($"Range '{name}' has bounds {min}..{max}; expected finite numbers.", nameof(min));
        if (min > max)
            throw new ArgumentException($"Range '{name}' has min {min} > max {max}; expected min <= max.", nameof(min));
        if (logScale && min <= 0)
            throw new ArgumentException($"Range '{name}' is logarithmic with min {min}; expected min > 0.", nameof(min));
        if (init is { } i && (i < min || i > max))
            throw new ArgumentException($"Range '{name}' has init {i} outside {min}..{max}.", nameof(init));
        Min = min;
        Max = max;
        LogScale = logScale;
        IsInteger = isInteger;
        Init = init ?? (logScale ? Math.Sqrt(min * max) : (min + max) / 2);
        if (isInteger)
            Init = Math.Round(Init);
    }

    /// <summary>Smallest value.</summary>
    public double Min { get; }

    /// <summary>Largest value.</summary>
    public double Max { get; }

    /// <summary>Whether values spread evenly in the logarithm (learning rates, sizes).</summary>
    public bool LogScale { get; }

    /// <summary>Whether values are whole numbers.</summary>
    public bool IsInteger { get; }

    /// <summary>The starting value (the geometric or arithmetic middle unless given).</summary>
    public double Init { get; }

    /// <inheritdoc />
    public override double DefaultRaw => Init;

    /// <inheritdoc />
    public override double ToUnit(double raw)
    {
        if (Max == Min)
            return 0.5;
        double u = LogScale ? (Math.Log(raw) - Math.Log(Min)) / (Math.Log(Max) - Math.Log(Min)) : (raw - Min) / (Max - Min);
        return Math.Clamp(u, 0, 1);
    }

    /// <inheritdoc />
    public override double FromUnit(double unit)
    {
        unit = Math.Clamp(unit, 0, 1);
        double raw = LogScale ? Math.Exp(Math.Log(Min) + unit * (Math.Log(Max) - Math.Log(Min))) : Min + unit * (Max - Min);
        if (IsInteger)
            raw = Math.Round(raw);
        return Math.Clamp(raw, Min, Max);
    }

    /// <inheritdoc />
    public override IEnumerable<double> GridRaw(int steps)
    {
        if (steps <= 1 || Max == Min)
        {
            yield return Init;
            yield break;
        }
        double previous = double.NaN;
        for (int i = 0; i < steps; i++)
        {
            double raw = FromUnit(i / (double)(steps - 1));
            if (raw != previous)
                yield return raw;
            previous = raw;
        }
    }

    /// <inheritdoc />
    public override object Decode(double raw) => IsInteger ? (object)(int)Math.Round(raw) : raw;

    /// <inheritdoc />
    public override string ToString() => $"{(IsInteger ? "int" : "float")} {(LogScale ? "log " : "")}[{Min}, {Max}] init {Init}";
}
