using MLNet.Extensions.Transforms.MLNetSeam;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Forecasting;

/// <summary>Learns an LSTM forecaster from a series column (rows in time order); see <see cref="LstmForecastingOptions"/>.</summary>
public sealed class LstmForecastingEstimator : IEstimator<LstmForecastingTransformer>
{
    private readonly IHost _host;
    private readonly IHostEnvironment _env;
    private readonly Action<TrainingProgress>? _progress;

    internal LstmForecastingEstimator(IHostEnvironment env, LstmForecastingOptions options, Action<TrainingProgress>? progress)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _env = env;
        _host = env.Register(nameof(LstmForecastingEstimator));
        Options = options;
        _progress = progress;
    }

    /// <summary>The options this estimator trains with.</summary>
    public LstmForecastingOptions Options { get; }

    /// <summary>Reads the whole series in row order and trains the forecaster on its sliding windows.</summary>
    public LstmForecastingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Options.CancellationToken.ThrowIfCancellationRequested();
        HostCancellation.ThrowIfCancelled(_host);
        float[] series = ReadSeries(input, Options.InputColumnName);
        using IChannel channel = _host.Start("Training");
        LstmForecastModel model = LstmForecastModel.Train(series, Options with { Seed = Options.Seed ?? _host.Rand.Next() }, message => SchemaShapes.Info(channel, message), _progress, () =>
        {
            HostCancellation.ThrowIfCancelled(_host);
            HostCancellation.ThrowIfCancelled(_env);
        });
        return new LstmForecastingTransformer(_host, Options.InputColumnName, Options.OutputColumnName,
            Options.LowerBoundColumnName, Options.UpperBoundColumnName, model);
    }

    /// <summary>Adds the forecast column (and bound columns) of <see cref="LstmForecastingOptions.Horizon"/> values.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!SchemaShapes.TryFind(inputSchema, Options.InputColumnName, out var column))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"The series column '{Options.InputColumnName}' is not in the data.");
        if (column.Kind != SchemaShape.Column.VectorKind.Scalar || !column.ItemType.Equals(NumberDataViewType.Single))
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"The series column '{Options.InputColumnName}' must be a scalar Single; it is {column.ItemType} ({column.Kind}).");
        var columns = inputSchema.ToDictionary(c => c.Name);
        foreach (string? name in new[] { Options.OutputColumnName, Options.LowerBoundColumnName, Options.UpperBoundColumnName })
        {
            if (name is not null)
                columns[name] = SchemaShapes.Column(name, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false);
        }
        return new SchemaShape(columns.Values);
    }

    /// <summary>Every value of the Single column <paramref name="name"/>, in row order.</summary>
    internal static float[] ReadSeries(IDataView data, string name)
    {
        DataViewSchema.Column? column = data.Schema.GetColumnOrNull(name);
        if (column is null)
            throw new ArgumentOutOfRangeException(nameof(name), name, $"The series column '{name}' is not in the data.");
        if (column.Value.Type != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(name), name, $"The series column '{name}' must be Single; it is {column.Value.Type}.");
        var values = new List<float>();
        using DataViewRowCursor cursor = data.GetRowCursor([column.Value]);
        ValueGetter<float> getter = cursor.GetGetter<float>(column.Value);
        float value = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            values.Add(value);
        }
        if (values.Count == 0)
            throw new ArgumentException($"The series column '{name}' has no rows.", nameof(data));
        return values.ToArray();
    }
}
