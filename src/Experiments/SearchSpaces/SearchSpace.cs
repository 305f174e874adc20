using System.Reflection;
using Microsoft.ML.SearchSpace;

namespace MLNet.Extensions.Experiments;

/// <summary>
/// Named parameters and their domains, in order; choices may nest spaces under their options. Build one in code
/// (<see cref="AddRange"/>, <see cref="AddInteger"/>, <see cref="AddChoice(string, object[])"/>…) or read it from an options
/// type's <c>Microsoft.ML.SearchSpace</c> attributes with <see cref="FromOptions{TOptions}"/>.
/// </summary>
public sealed class SearchSpace
{
    private readonly List<(string Name, ParameterDomain Domain)> _parameters = [];

    /// <summary>The parameters at this level, in order (nested ones live in their choice options).</summary>
    public IReadOnlyList<(string Name, ParameterDomain Domain)> Parameters => _parameters;

    /// <summary>Whether the space has no parameter (then every trial uses the same configuration).</summary>
    public bool IsEmpty => _parameters.Count == 0;

    /// <summary>Adds a float range; <paramref name="logScale"/> spreads samples evenly in the logarithm (then min must be positive).</summary>
    public SearchSpace AddRange(string name, double min, double max, bool logScale = false, double? init = null) =>
        Add(name, new RangeDomain(name, min, max, logScale, isInteger: false, init));

    /// <summary>Adds an integer range.</summary>
    public SearchSpace AddInteger(string name, int min, int max, bool logScale = false, int? init = null) =>
        Add(name, new RangeDomain(name, min, max, logScale, isInteger: true, init));

    /// <summary>Adds a choice among <paramref name="values"/>; the first is the default.</summary>
    public SearchSpace AddChoice(string name, params object[] values) =>
        Add(name, new ChoiceDomain(name, (values ?? []).Select(v => new ChoiceOption(v)).ToArray()));

    /// <summary>Adds a choice whose options may carry nested spaces; the first is the default.</summary>
    public SearchSpace AddChoice(string name, params ChoiceOption[] options) => Add(name, new ChoiceDomain(name, options ?? []));

    /// <summary>Adds a true/false choice.</summary>
    public SearchSpace AddBoolean(string name, bool defaultValue = false) =>
        Add(name, new ChoiceDomain(name, [new ChoiceOption(false), new ChoiceOption(true)], defaultValue ? 1 : 0));

    /// <summary>Adds <paramref name="domain"/> under <paramref name="name"/>; names must be unique along every path of nested choices.</summary>
    public SearchSpace Add(string name, ParameterDomain domain)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("A parameter needs a name.", nameof(name));
        ArgumentNullException.ThrowIfNull(domain);
        if (AllNames().Contains(name) || (domain is ChoiceDomain c && c.Options.Any(o => o.Nested?.AllNames().Contains(name) == true)))
            throw new ArgumentException($"Parameter '{name}' is declared twice in this search space.", nameof(name));
        if (domain is ChoiceDomain choice)
            foreach (var nested in choice.Options.Where(o => o.Nested is not null).SelectMany(o => o.Nested!.AllNames()))
                if (AllNames().Contains(nested))
                    throw new ArgumentException($"Nested parameter '{nested}' of '{name}' is also declared outside it.", nameof(domain));
        _parameters.Add((name, domain));
        return this;
    }

    /// <summary>Every name at this level and below.</summary>
    internal HashSet<string> AllNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, domain) in _parameters)
        {
            names.Add(name);
            if (domain is ChoiceDomain choice)
                foreach (var option in choice.Options)
                    if (option.Nested is not null)
                        names.UnionWith(option.Nested.AllNames());
        }
        return names;
    }

    /// <summary>
    /// Builds a configuration by walking the space: <paramref name="pick"/> gives the raw value of each active parameter
    /// from its path key (unique across the whole space) and domain; nested spaces are walked only under the chosen option.
    /// </summary>
    public Parameters Build(Func<string, ParameterDomain, double> pick)
    {
        var entries = new List<ParameterValue>();
        Walk("", pick, entries);
        return new Parameters(entries);
    }

    private void Walk(string prefix, Func<string, ParameterDomain, double> pick, List<ParameterValue> entries)
    {
        foreach (var (name, domain) in _parameters)
        {
            string key = prefix + name;
            double raw = pick(key, domain);
            entries.Add(new ParameterValue(key, name, domain, raw));
            if (domain is ChoiceDomain choice && choice.Options[(int)raw].Nested is { } nested)
                nested.Walk($"{key}={choice.Options[(int)raw].Value}/", pick, entries);
        }
    }

    /// <summary>The configuration of defaults (each range's init, each choice's default).</summary>
    public Parameters Default() => Build((_, d) => d.DefaultRaw);

    /// <summary>A configuration drawn uniformly (in each domain's unit scale).</summary>
    public Parameters Sample(Random random) => Build((_, d) => d.Sample(random));

    /// <summary>Every grid point: ranges at <paramref name="steps"/> values, every option of each choice, nested spaces expanded.</summary>
    public IEnumerable<Parameters> Grid(int steps) => GridCore("", steps).Select(list => new Parameters(list));

    private IEnumerable<List<ParameterValue>> GridCore(string prefix, int steps, int index = 0)
    {
        if (index == _parameters.Count)
        {
            yield return [];
            yield break;
        }
        var (name, domain) = _parameters[index];
        string key = prefix + name;
        foreach (double raw in domain.GridRaw(steps))
        {
            var head = new ParameterValue(key, name, domain, raw);
            IEnumerable<List<ParameterValue>> nestedGrids = domain is ChoiceDomain choice && choice.Options[(int)raw].Nested is { } nested
                ? nested.GridCore($"{key}={choice.Options[(int)raw].Value}/", steps)
                : [[]];
            foreach (var nestedValues in nestedGrids)
                foreach (var rest in GridCore(prefix, steps, index + 1))
                    yield return [head, .. nestedValues, .. rest];
        }
    }

    /// <summary>
    /// The space declared on <typeparamref name="TOptions"/>'s public properties with ML.NET's own search-space attributes
    /// (<see cref="RangeAttribute"/>, <see cref="ChoiceAttribute"/>, <see cref="BooleanChoiceAttribute"/> from Microsoft.ML.Core),
    /// named after the properties; <see cref="Parameters.ApplyTo{TOptions}"/> writes a configuration back.
    /// </summary>
    public static SearchSpace FromOptions<TOptions>() => FromOptions(typeof(TOptions));

    /// <summary>The attribute-declared space of <paramref name="optionsType"/>.</summary>
    public static SearchSpace FromOptions(Type optionsType)
    {
        ArgumentNullException.ThrowIfNull(optionsType);
        var space = new SearchSpace();
        foreach (PropertyInfo property in optionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.MetadataToken))
        {
            if (property.GetCustomAttribute<RangeAttribute>() is { } range)
            {
                bool integer = range.Min is int;
                space.Add(property.Name, new RangeDomain(property.Name, Convert.ToDouble(range.Min), Convert.ToDouble(range.Max),
                    range.LogBase, integer, range.Init is null ? null : Convert.ToDouble(range.Init)));
            }
            else if (property.GetCustomAttribute<ChoiceAttribute>() is { } choice)
            {
                object[] values = choice.Candidates;
                int defaultIndex = choice.DefaultValue is null ? 0 : Array.IndexOf(values, choice.DefaultValue);
                space.Add(property.Name, new ChoiceDomain(property.Name, values.Select(v => new ChoiceOption(v)).ToArray(), Math.Max(0, defaultIndex)));
            }
            else if (property.GetCustomAttribute<BooleanChoiceAttribute>() is { } boolean)
            {
                space.AddBoolean(property.Name, boolean.DefaultValue);
            }
        }
        return space;
    }

    /// <summary>A copy of this space with the parameters of <paramref name="other"/> added after its own.</summary>
    public SearchSpace With(SearchSpace other)
    {
        var copy = new SearchSpace();
        foreach (var (name, domain) in _parameters.Concat(other._parameters))
            copy.Add(name, domain);
        return copy;
    }

    /// <summary>A copy without the named top-level parameters (to fix options a candidate sets itself).</summary>
    public SearchSpace Without(params string[] names)
    {
        var copy = new SearchSpace();
        foreach (var (name, domain) in _parameters.Where(p => !names.Contains(p.Name)))
            copy.Add(name, domain);
        return copy;
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(", ", _parameters.Select(p => $"{p.Name}: {p.Domain}"));
}
