using MLNet.Extensions.Transforms.MLNetSeam;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MLNet.Extensions.Transforms.Sequences;

/// <summary>Checks the series column and produces a <see cref="SlidingWindowTransformer"/>; it learns nothing from the data.</summary>
public sealed class SlidingWindowEstimator : IEstimator<SlidingWindowTransformer>
{
    private readonly IHostEnvironment _env;

    internal SlidingWindowEstimator(IHostEnvironment env, SlidingWindowOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _env = env;
        Options = options;
    }

    /// <summary>The window settings.</summary>
    public SlidingWindowOptions Options { get; }

    /// <summary>Validates the column type (and that the series is long enough for one window) and returns the transformer.</summary>
    public SlidingWindowTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        int features = SlidingWindowTransformer.FeaturesOf(input.Schema, Options.InputColumnName);
        Options.ValidateTargetFeature(features);
        int[] widths = Options.WindowColumns.Select(name => SlidingWindowTransformer.FeaturesOf(input.Schema, name)).ToArray();
        long count = input.GetRowCount() ?? CountUpTo(input, Options.History);
        if (count < Options.History)
            throw new ArgumentException(
                $"Column '{Options.InputColumnName}' has {count} rows; WindowSize {Options.WindowSize} + Horizon {Options.Horizon} + differencing {Options.DifferencingOrder} needs at least {Options.History}.",
                nameof(input));
        return new SlidingWindowTransformer(_env, Options, features, widths);
    }

    private static long CountUpTo(IDataView input, long limit)
    {
        using DataViewRowCursor cursor = input.GetRowCursor([]);
        long count = 0;
        while (count < limit && cursor.MoveNext())
            count++;
        return count;
    }

    /// <summary>Adds the window column and, when named, the target column.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!SchemaShapes.TryFind(inputSchema, Options.InputColumnName, out var column) || !column.ItemType.Equals(NumberDataViewType.Single)
            || column.Kind == SchemaShape.Column.VectorKind.VariableVector)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Column '{Options.InputColumnName}' must be a Single or a known-size vector of Single.");
        foreach (string name in Options.WindowColumnNames ?? [])
        {
            bool found = SchemaShapes.TryFind(inputSchema, name, out var window);
            if (!found || !window.ItemType.Equals(NumberDataViewType.Single) || window.Kind == SchemaShape.Column.VectorKind.VariableVector)
                throw new ArgumentOutOfRangeException(nameof(inputSchema),
                    $"Window column '{name}' must be a Single or a known-size vector of Single" + (found ? "." : "; it is not in the data."));
        }
        var columns = inputSchema.ToDictionary(c => c.Name);
        columns[Options.OutputColumnName] = SchemaShapes.Column(Options.OutputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false);
        if (Options.TargetColumnName is string target)
            columns[target] = SchemaShapes.Column(target,
                Options.TargetFeatureIndex is null ? column.Kind : SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single, false);
        return new SchemaShape(columns.Values);
    }
}
