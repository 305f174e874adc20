using MLNet.Extensions.Transforms.MLNetSeam;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MLNet.Extensions.Transforms.Sequences;

/// <summary>
/// Learns, per feature, the mean and standard deviation of sequences stored as vectors of T steps of F features
/// (all steps and rows pooled), and produces a <see cref="StandardizeSequenceTransformer"/> that maps (x - mean) / std.
/// A given number of trailing values per vector (per-sequence features after the steps, as the LSTM's TrailingFeatures)
/// are left out of the statistics and passed through unchanged.
/// </summary>
public sealed class StandardizeSequenceEstimator : IEstimator<StandardizeSequenceTransformer>
{
    private readonly IHost _host;
    private readonly string _outputColumnName;
    private readonly string _inputColumnName;
    private readonly int _featuresPerStep;
    private readonly int _trailingValues;

    internal StandardizeSequenceEstimator(IHostEnvironment env, string outputColumnName, string inputColumnName, int featuresPerStep,
        int trailingValues = 0)
    {
        _host = env.Register(nameof(StandardizeSequenceEstimator));
        if (string.IsNullOrWhiteSpace(outputColumnName))
            throw new ArgumentException("The output column name is empty.", nameof(outputColumnName));
        if (string.IsNullOrWhiteSpace(inputColumnName))
            throw new ArgumentException("The input column name is empty.", nameof(inputColumnName));
        if (featuresPerStep < 1)
            throw new ArgumentOutOfRangeException(nameof(featuresPerStep), featuresPerStep, "featuresPerStep must be at least 1.");
        if (trailingValues < 0)
            throw new ArgumentOutOfRangeException(nameof(trailingValues), trailingValues, "trailingValues must be zero or positive.");
        _trailingValues = trailingValues;
        _outputColumnName = outputColumnName;
        _inputColumnName = inputColumnName;
        _featuresPerStep = featuresPerStep;
    }

    /// <summary>Reads every row once and learns the per-feature statistics.</summary>
    public StandardizeSequenceTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        DataViewSchema.Column column = CheckColumn(input.Schema, _inputColumnName, _featuresPerStep, _trailingValues);
        int f = _featuresPerStep, e = _trailingValues;
        var statistics = new SeriesStatistics(f);
        long row = 0;
        using (DataViewRowCursor cursor = input.GetRowCursor([column]))
        {
            ValueGetter<VBuffer<float>> getter = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> buffer = default;
            float[] dense = [];
            while (cursor.MoveNext())
            {
                getter(ref buffer);
                int steps = buffer.Length - e;
                if (steps < 0 || steps % f != 0)
                    throw new InvalidOperationException(
                        $"Column '{_inputColumnName}' has {buffer.Length} values at row {row}; expected {Expected(f, e)}.");
                if (dense.Length < buffer.Length)
                    dense = new float[buffer.Length];
                buffer.CopyTo(dense);
                ReadOnlySpan<float> values = dense.AsSpan(0, steps);
                int slot = values.IndexOfAnyExceptInRange(float.MinValue, float.MaxValue);
                if (slot >= 0)
                    throw new InvalidOperationException($"Column '{_inputColumnName}' has a non-finite value ({values[slot]}) at row {row}, slot {slot}.");
                statistics.Add(values);
                row++;
            }
        }
        if (statistics.Count == 0)
            throw new InvalidOperationException($"Column '{_inputColumnName}' has no values to learn statistics from.");
        var mean = new float[f];
        var scale = new float[f];
        for (int j = 0; j < f; j++)
        {
            mean[j] = (float)statistics.Mean(j);
            // A constant feature is only centred: dividing by a zero spread would turn it into NaN.
            scale[j] = statistics.IsConstant(j) ? 1f : (float)(1 / Math.Sqrt(statistics.Variance(j)));
        }
        return new StandardizeSequenceTransformer(_host, _outputColumnName, _inputColumnName, mean, scale, e);
    }

    /// <summary>The output column has the input column's vector shape.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!SchemaShapes.TryFind(inputSchema, _inputColumnName, out var column))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{_inputColumnName}' is not in the data.");
        if (column.Kind == SchemaShape.Column.VectorKind.Scalar || !column.ItemType.Equals(NumberDataViewType.Single))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{_inputColumnName}' must be a vector of Single.");
        var columns = inputSchema.ToDictionary(c => c.Name);
        columns[_outputColumnName] = SchemaShapes.Column(_outputColumnName, column.Kind, NumberDataViewType.Single, false);
        return new SchemaShape(columns.Values);
    }

    /// <summary>How a vector of whole steps of <paramref name="f"/> features and <paramref name="e"/> trailing values reads in messages.</summary>
    internal static string Expected(int f, int e) =>
        e == 0 ? $"a multiple of {f} (whole steps)" : $"whole steps of {f} features followed by {e} trailing values";

    internal static DataViewSchema.Column CheckColumn(DataViewSchema schema, string name, int featuresPerStep, int trailingValues)
    {
        DataViewSchema.Column? column = schema.GetColumnOrNull(name);
        if (column is null)
            throw new ArgumentOutOfRangeException(nameof(name), name, $"Column '{name}' is not in the data.");
        if (column.Value.Type is not VectorDataViewType vector || vector.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(name), name, $"Column '{name}' must be a vector of Single; it is {column.Value.Type}.");
        if (vector.IsKnownSize && (vector.Size < trailingValues || (vector.Size - trailingValues) % featuresPerStep != 0))
            throw new ArgumentOutOfRangeException(nameof(name), name,
                $"Column '{name}' has {vector.Size} values, not {Expected(featuresPerStep, trailingValues)}.");
        return column.Value;
    }
}
