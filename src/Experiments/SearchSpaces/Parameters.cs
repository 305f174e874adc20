using System.Globalization;
using System.Reflection;

namespace MLNet.Extensions.Experiments;

/// <summary>
/// One configuration: the active parameters of a search space with their values. Read values by name with
/// <see cref="Get{T}"/>, or write them onto an options record with <see cref="ApplyTo{TOptions}"/>.
/// </summary>
public sealed class Parameters : IEquatable<Parameters>
{
    private readonly ParameterValue[] _values;

    internal Parameters(IEnumerable<ParameterValue> values)
    {
        _values = values.ToArray();
    }

    /// <summary>An empty configuration (for candidates without a search space).</summary>
    public static Parameters Empty { get; } = new([]);

    /// <summary>The active parameters in the order of the space.</summary>
    public IReadOnlyList<ParameterValue> Values => _values;

    /// <summary>Whether a parameter of that name is active.</summary>
    public bool Contains(string name) => _values.Any(v => v.Name == name);

    /// <summary>The value of <paramref name="name"/> converted to <typeparamref name="T"/> (numbers convert, enums and strings pass through).</summary>
    public T Get<T>(string name)
    {
        ParameterValue? entry = _values.FirstOrDefault(v => v.Name == name)
            ?? throw new KeyNotFoundException($"Parameter '{name}' is not active in this configuration ({this}).");
        return (T)Convert(entry.Value, typeof(T));
    }

    /// <summary>The value of <paramref name="name"/>, or <paramref name="fallback"/> when it is not active.</summary>
    public T GetOrDefault<T>(string name, T fallback) => Contains(name) ? Get<T>(name) : fallback;

    /// <summary>
    /// A copy of <paramref name="options"/> (a record: its clone method is used, so the original is untouched) with every
    /// parameter whose name matches a writable public property set; other parameters are ignored.
    /// </summary>
    public TOptions ApplyTo<TOptions>(TOptions options) where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(options);
        Type type = options.GetType();
        MethodInfo? clone = type.GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.Instance);
        TOptions copy = clone is null ? options : (TOptions)clone.Invoke(options, null)!;
        foreach (ParameterValue value in _values)
        {
            PropertyInfo? property = type.GetProperty(value.Name, BindingFlags.Public | BindingFlags.Instance);
            if (property is null || !property.CanWrite)
                continue;
            property.SetValue(copy, Convert(value.Value, property.PropertyType));
        }
        return copy;
    }

    /// <summary>The unit-interval coordinate of each active parameter, by key (what tuners model).</summary>
    internal IEnumerable<(string Key, ParameterDomain Domain, double Unit)> Units() =>
        _values.Select(v => (v.Key, v.Domain, v.Domain.ToUnit(v.Raw)));

    private static object Convert(object value, Type target)
    {
        Type type = Nullable.GetUnderlyingType(target) ?? target;
        if (type.IsInstanceOfType(value))
            return value;
        if (type.IsEnum)
            return value is string s ? Enum.Parse(type, s) : Enum.ToObject(type, value);
        if (value is double d && (type == typeof(int) || type == typeof(long)))
            return System.Convert.ChangeType(Math.Round(d), type, CultureInfo.InvariantCulture);
        return System.Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public bool Equals(Parameters? other) =>
        other is not null && other._values.Length == _values.Length
        && _values.Zip(other._values).All(p => p.First.Key == p.Second.Key && p.First.Raw == p.Second.Raw);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Parameters);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var v in _values)
        {
            hash.Add(v.Key);
            hash.Add(v.Raw);
        }
        return hash.ToHashCode();
    }

    /// <summary>Compact "name=value" pairs, the form the leaderboard prints.</summary>
    public override string ToString() => string.Join(", ", _values.Select(v => $"{v.Name}={Format(v.Value)}"));

    private static string Format(object value) => value switch
    {
        double d => d.ToString(Math.Abs(d) < 0.01 && d != 0 ? "0.###e0" : "0.####", CultureInfo.InvariantCulture),
        _ => System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
