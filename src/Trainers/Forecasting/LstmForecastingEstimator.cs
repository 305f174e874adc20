using MLNet.Extensions.Transforms.MLNetSeam;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Forecasting;

/// <summary>Learns an LSTM forecaster from a series column and its covariate columns (rows in time order); see <see cref="LstmForecastingOptions"/>.</summary>
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
        CheckSeriesColumn(input.Schema, Options.InputColumnName);
        CheckCovariates(input.Schema, Options.CovariateColumnNames);
        (float[] series, float[] covariates) = ReadSeries(input, Options.InputColumnName, Options.CovariateColumnNames);
        using IChannel channel = _host.Start("Training");
        LstmForecastModel model = LstmForecastModel.Train(series, covariates, Options with { Seed = Options.Seed ?? _host.Rand.Next() }, message => SchemaShapes.Info(channel, message), _progress, () =>
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
        foreach (string name in Options.CovariateColumnNames)
        {
            if (!SchemaShapes.TryFind(inputSchema, name, out var covariate))
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"The covariate column '{name}' is not in the data.");
            if (covariate.Kind != SchemaShape.Column.VectorKind.Scalar || !covariate.ItemType.Equals(NumberDataViewType.Single))
                throw new ArgumentOutOfRangeException(nameof(inputSchema),
                    $"The covariate column '{name}' must be a scalar Single (one value per row); it is {covariate.ItemType} ({covariate.Kind}).");
        }
        var columns = inputSchema.ToDictionary(c => c.Name);
        foreach (string? name in new[] { Options.OutputColumnName, Options.LowerBoundColumnName, Options.UpperBoundColumnName })
        {
            if (name is not null)
                columns[name] = SchemaShapes.Column(name, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false);
        }
        return new SchemaShape(columns.Values);
    }

    /// <summary>Throws naming the series column when it is missing or not a Single.</summary>
    internal static void CheckSeriesColumn(DataViewSchema schema, string name)
    {
        DataViewSchema.Column? column = schema.GetColumnOrNull(name);
        if (column is null)
            throw new ArgumentOutOfRangeException(nameof(name), name, $"The series column '{name}' is not in the data.");
        if (column.Value.Type != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(name), name, $"The series column '{name}' must be Single; it is {column.Value.Type}.");
    }

    /// <summary>Throws naming the first covariate column that is missing or not a scalar Single.</summary>
    internal static void CheckCovariates(DataViewSchema schema, IReadOnlyList<string> names)
    {
        foreach (string name in names)
        {
            DataViewSchema.Column? column = schema.GetColumnOrNull(name);
            if (column is null)
                throw new ArgumentOutOfRangeException(nameof(schema), $"The covariate column '{name}' is not in the data.");
            if (column.Value.Type != NumberDataViewType.Single)
                throw new ArgumentOutOfRangeException(nameof(schema),
                    $"The covariate column '{name}' must be a scalar Single (one value per row); it is {column.Value.Type}.");
        }
    }

    /// <summary>Every value of the Single column <paramref name="name"/>, in row order.</summary>
    internal static float[] ReadSeries(IDataView data, string name) => ReadSeries(data, name, []).Series;

    /// <summary>
    /// Every value of the Single column <paramref name="name"/> and of the covariate columns, in row order: the series,
    /// and the covariates row after row (<paramref name="covariates"/>.Count values per row).
    /// </summary>
    internal static (float[] Series, float[] Covariates) ReadSeries(IDataView data, string name, IReadOnlyList<string> covariates)
    {
        CheckSeriesColumn(data.Schema, name);
        CheckCovariates(data.Schema, covariates);
        DataViewSchema.Column column = data.Schema[name];
        DataViewSchema.Column[] covariateColumns = covariates.Select(c => data.Schema[c]).ToArray();
        var values = new List<float>();
        var covariateValues = new List<float>();
        using DataViewRowCursor cursor = data.GetRowCursor([column, .. covariateColumns]);
        ValueGetter<float> getter = cursor.GetGetter<float>(column);
        ValueGetter<float>[] covariateGetters = covariateColumns.Select(c => cursor.GetGetter<float>(c)).ToArray();
        float value = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            values.Add(value);
            foreach (ValueGetter<float> covariate in covariateGetters)
            {
                covariate(ref value);
                covariateValues.Add(value);
            }
        }
        if (values.Count == 0)
            throw new ArgumentException($"The series column '{name}' has no rows.", nameof(data));
        return (values.ToArray(), covariateValues.ToArray());
    }
}
