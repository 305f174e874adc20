using MLNet.Extensions.Transforms.Persistence;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Trainers.Forecasting;
using MLNet.Extensions.Trainers.Forecasting.Legacy;
using MLNet.Extensions.Trainers.Forecasting.Parts;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Training;

[assembly: LoadableClass(typeof(LstmForecastingTransformer), null, typeof(SignatureLoadModel),
    "MLNet.Extensions LSTM forecaster", LstmForecastingTransformer.LoaderSignature)]

namespace MLNet.Extensions.Trainers.Forecasting;

/// <summary>
/// A trained LSTM forecaster. Applied to a series it adds, at every row, the forecast of the next Horizon values from
/// the rows up to and including that one (NaN until enough history has been seen), so rows must arrive in time order.
/// For one observation at a time, use <see cref="CreateForecastEngine(IEnumerable{float})"/>.
/// </summary>
public sealed class LstmForecastingTransformer : ITransformer, ICanSaveModel
{
    internal const string LoaderSignature = "MLNetExtLstmForecast";

    // Version history: 0x00010001 initial; 0x00010002 the network in the one network format (NetworkFormat); 0x00010003
    // checksummed payload, history without timings; 0x00010004 the forecaster saved as its parts (ForecastModelFormat);
    // 0x00010005 covariates (a part of their own after the scaling).
    private const uint ChecksummedVersion = 0x00010003;
    private const uint PartsVersion = 0x00010004;
    private const uint CovariatesVersion = 0x00010005;

    private static VersionInfo GetVersionInfo() => ModelVersions.Create("MLNXLFCT", CovariatesVersion, 0x00010001, LoaderSignature, typeof(LstmForecastingTransformer));

    private readonly IHost _host;

    internal LstmForecastingTransformer(IHostEnvironment env, string inputColumn, string outputColumn, string? lowerColumn,
        string? upperColumn, LstmForecastModel model)
    {
        _host = env.Register(nameof(LstmForecastingTransformer));
        InputColumnName = inputColumn;
        OutputColumnName = outputColumn;
        LowerBoundColumnName = lowerColumn;
        UpperBoundColumnName = upperColumn;
        Model = model;
    }

    internal LstmForecastModel Model { get; }

    internal IHost Host => _host;

    /// <summary>The series column.</summary>
    public string InputColumnName { get; }

    /// <summary>The covariate columns read beside the series at each step, in order (empty for a univariate forecaster).</summary>
    public IReadOnlyList<string> CovariateColumnNames => Model.Covariates.Names;

    /// <summary>The forecast column.</summary>
    public string OutputColumnName { get; }

    /// <summary>The lower-bound column, or null.</summary>
    public string? LowerBoundColumnName { get; }

    /// <summary>The upper-bound column, or null.</summary>
    public string? UpperBoundColumnName { get; }

    /// <summary>Values per forecast.</summary>
    public int Horizon => Model.Horizon;

    /// <summary>Per-epoch history of the training run.</summary>
    public IReadOnlyList<TrainingProgress> TrainingHistory => Model.History;

    /// <summary>False: each row's output depends on the rows before it.</summary>
    public bool IsRowToRowMapper => false;

    /// <summary>
    /// An engine primed with <paramref name="history"/> (the most recent observations, oldest first). A forecaster with
    /// covariates takes no bare history: prime it with <see cref="CreateForecastEngine(IDataView)"/> or Update(target, covariates).
    /// </summary>
    public LstmForecastEngine CreateForecastEngine(IEnumerable<float>? history = null) => new(Model, history ?? []);

    /// <summary>An engine primed with the last rows of <paramref name="data"/>'s series column (and covariate columns).</summary>
    public LstmForecastEngine CreateForecastEngine(IDataView data)
    {
        ArgumentNullException.ThrowIfNull(data);
        LstmForecastingEstimator.CheckCovariates(data.Schema, Model.Covariates.Names);
        (float[] series, float[] covariates) = LstmForecastingEstimator.ReadSeries(data, InputColumnName, Model.Covariates.Names);
        int keep = Math.Min(series.Length, Model.HistoryLength), c = Model.Covariates.Count;
        return new(Model, series[^keep..], covariates.AsSpan((series.Length - keep) * c));
    }

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        DataViewSchema.Column? input = inputSchema.GetColumnOrNull(InputColumnName);
        if (input is null || input.Value.Type != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"The series column '{InputColumnName}' must be a Single column of the input; it is {input?.Type.ToString() ?? "missing"}.");
        LstmForecastingEstimator.CheckCovariates(inputSchema, Model.Covariates.Names);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        var vector = new VectorDataViewType(NumberDataViewType.Single, Horizon);
        foreach (string name in OutputColumns)
            builder.AddColumn(name, vector);
        return builder.ToSchema();
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ForecastDataView(this, input, GetOutputSchema(input.Schema));
    }

    /// <summary>Not available: forecasts depend on earlier rows. Use <see cref="CreateForecastEngine(IEnumerable{float})"/>.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        throw new InvalidOperationException("Forecasts depend on earlier rows, so there is no row-to-row mapper; use CreateForecastEngine.");

    internal IReadOnlyList<string> OutputColumns =>
        new[] { OutputColumnName, LowerBoundColumnName, UpperBoundColumnName }.OfType<string>().ToArray();

    // Binary format: ChecksummedPayload of (string input, output; bool + string lower; bool + string upper;
    // ForecastModelFormat, whose predictor part holds the history and, from 0x00010005, whose covariates part names the
    // covariate columns; 0x00010004 had no covariates part). 0x00010003 had LegacyForecastFormat and then
    // TrainingHistoryFormat in the payload; before it the same fields bare, the history with timings.
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ctx.CheckAtModel();
        ctx.SetVersionInfo(GetVersionInfo());
        ChecksummedPayload.Write(ctx.Writer, writer =>
        {
            writer.Write(InputColumnName);
            writer.Write(OutputColumnName);
            WriteOptional(writer, LowerBoundColumnName);
            WriteOptional(writer, UpperBoundColumnName);
            ForecastModelFormat.Write(writer, Model);
        });
    }

    private static LstmForecastingTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        uint version = ctx.Header.ModelVerWritten;
        try
        {
            BinaryReader reader = version >= ChecksummedVersion
                ? ChecksummedPayload.Read(ctx.Reader, nameof(LstmForecastingTransformer)) : ctx.Reader;
            string input = reader.ReadString(), output = reader.ReadString();
            string? lower = ReadOptional(reader), upper = ReadOptional(reader);
            LstmForecastModel model;
            if (version >= PartsVersion)
            {
                model = ForecastModelFormat.Read(reader, withCovariates: version >= CovariatesVersion);
            }
            else
            {
                model = LegacyForecastFormat.Read(reader, version == 0x00010001 ? 1 : version < ChecksummedVersion ? 2 : 3, input);
                model.History = TrainingHistoryFormat.Read(reader, withTimings: version < ChecksummedVersion);
            }
            if (version >= ChecksummedVersion)
                ChecksummedPayload.CheckFullyRead(reader, nameof(LstmForecastingTransformer));
            return new LstmForecastingTransformer(env, input, output, lower, upper, model);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("LstmForecastingTransformer: the saved forecaster is truncated.", e);
        }
    }

    private static void WriteOptional(BinaryWriter writer, string? value)
    {
        writer.Write(value is not null);
        writer.Write(value ?? "");
    }

    private static string? ReadOptional(BinaryReader reader)
    {
        bool has = NetworkFormat.ReadFlag(reader);
        string value = reader.ReadString();
        return has ? value : null;
    }
}
