namespace MLNet.Extensions.Transforms.Sequences;

/// <summary>
/// How a series becomes windows. With rows x_0, x_1, ... (after <see cref="DifferencingOrder"/> differences), the row for
/// time i carries the window x[i - Horizon - WindowSize + 1 .. i - Horizon] in <see cref="OutputColumnName"/> and x[i] in
/// <see cref="TargetColumnName"/>: everything needed to learn "WindowSize values predict the value Horizon steps later",
/// using only past rows. Rows without a full window are dropped, and only every <see cref="Stride"/>-th window is kept.
/// </summary>
public sealed record SlidingWindowOptions
{
    /// <summary>
    /// The series column: Single, or a known-size vector of Single (several features per time step). The target comes
    /// from it; the window too unless <see cref="WindowColumnNames"/> is set.
    /// </summary>
    public string InputColumnName { get; init; } = "Value";

    /// <summary>
    /// The columns whose values at each step make up the window, side by side in this order (each Single or a known-size
    /// vector of Single), e.g. the target column followed by its covariates; null (the default) windows
    /// <see cref="InputColumnName"/> alone. The target still comes from <see cref="InputColumnName"/>, which need not be
    /// one of them (a window of covariates only). Every window column is differenced like the target.
    /// </summary>
    public string[]? WindowColumnNames { get; init; }

    /// <summary>The window column: WindowSize steps of the window columns' features, as a (WindowSize, F) vector.</summary>
    public string OutputColumnName { get; init; } = "Window";

    /// <summary>The target column (the value Horizon steps after the window), or null for none.</summary>
    public string? TargetColumnName { get; init; }

    /// <summary>
    /// For a vector series (e.g. the target and its covariates joined with ML.NET's Concatenate), the feature whose value
    /// Horizon steps later becomes the target, as a Single; null (the default) makes the target the whole step vector.
    /// The window always holds every feature (of the window columns).
    /// </summary>
    public int? TargetFeatureIndex { get; init; }

    /// <summary>Steps per window.</summary>
    public int WindowSize { get; init; } = 12;

    /// <summary>Steps between the end of the window and the target.</summary>
    public int Horizon { get; init; } = 1;

    /// <summary>Keep every Stride-th window.</summary>
    public int Stride { get; init; } = 1;

    /// <summary>0 uses the values, 1 their first differences (removes a trend), 2 second differences.</summary>
    public int DifferencingOrder { get; init; }

    /// <summary>
    /// Pass NaN and infinite values into the windows when true; when false (the default) a non-finite value in the series
    /// throws naming the column and row, since a network trained or scored on it gives NaN.
    /// </summary>
    public bool AllowNonFiniteValues { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(InputColumnName))
            throw new ArgumentException("Option InputColumnName is empty.", nameof(InputColumnName));
        if (string.IsNullOrWhiteSpace(OutputColumnName))
            throw new ArgumentException("Option OutputColumnName is empty.", nameof(OutputColumnName));
        if (WindowSize < 1)
            throw new ArgumentException($"Option WindowSize is {WindowSize}; expected at least 1.", nameof(WindowSize));
        if (Horizon < 1)
            throw new ArgumentException($"Option Horizon is {Horizon}; expected at least 1.", nameof(Horizon));
        if (Stride < 1)
            throw new ArgumentException($"Option Stride is {Stride}; expected at least 1.", nameof(Stride));
        if (TargetFeatureIndex is < 0)
            throw new ArgumentException($"Option TargetFeatureIndex is {TargetFeatureIndex}; expected null or a feature index from 0.", nameof(TargetFeatureIndex));
        if (WindowColumnNames is not null)
        {
            if (WindowColumnNames.Length == 0)
                throw new ArgumentException("Option WindowColumnNames is empty; expected null (window the input column) or at least one column name.", nameof(WindowColumnNames));
            if (WindowColumnNames.Any(string.IsNullOrWhiteSpace))
                throw new ArgumentException("Option WindowColumnNames holds an empty name; expected column names.", nameof(WindowColumnNames));
            string? repeated = WindowColumnNames.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1)?.Key;
            if (repeated is not null)
                throw new ArgumentException($"Option WindowColumnNames names column '{repeated}' more than once; expected each column once.", nameof(WindowColumnNames));
            string? clash = WindowColumnNames.FirstOrDefault(n => n == OutputColumnName || n == TargetColumnName);
            if (clash is not null)
                throw new ArgumentException(
                    $"Option WindowColumnNames names column '{clash}', which is also an output column (window '{OutputColumnName}', target '{TargetColumnName}'); expected input columns only.",
                    nameof(WindowColumnNames));
        }
        if (DifferencingOrder is < 0 or > 2)
            throw new ArgumentException($"Option DifferencingOrder is {DifferencingOrder}; expected 0, 1 or 2.", nameof(DifferencingOrder));
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when <see cref="TargetFeatureIndex"/> is outside a series of <paramref name="features"/> values per step.</summary>
    internal void ValidateTargetFeature(int features)
    {
        if (TargetFeatureIndex is int index && index >= features)
            throw new ArgumentOutOfRangeException(nameof(TargetFeatureIndex), index,
                $"Option TargetFeatureIndex is {index}, but the series column '{InputColumnName}' has {features} value(s) per row; expected 0 to {features - 1}.");
    }

    /// <summary>The columns the window reads, in order.</summary>
    internal IReadOnlyList<string> WindowColumns => WindowColumnNames ?? [InputColumnName];

    /// <summary>Raw rows consumed before the first window is complete.</summary>
    internal int History => WindowSize + Horizon + DifferencingOrder;
}
