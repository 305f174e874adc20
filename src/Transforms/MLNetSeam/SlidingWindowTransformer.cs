using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Transforms.Persistence;
using MLNet.Extensions.Transforms.Sequences;

[assembly: LoadableClass(typeof(SlidingWindowTransformer), null, typeof(SignatureLoadModel),
    "MLNet.Extensions sliding window", SlidingWindowTransformer.LoaderSignature)]

namespace MLNet.Extensions.Transforms.Sequences;

/// <summary>
/// Turns an ordered series into windows and targets as <see cref="SlidingWindowOptions"/> describes. The output has fewer
/// rows than the input (rows without a full window, and rows between strides, are dropped) and depends on row order, so
/// this is not a row-to-row mapper: use it to prepare training and evaluation data.
/// </summary>
public sealed class SlidingWindowTransformer : ITransformer, ICanSaveModel
{
    internal const string LoaderSignature = "MLNetExtSlidingWindow";

    // Version history: 0x00010001 initial; 0x00010002 checksummed payload; 0x00010003 target feature index; 0x00010004
    // window columns.
    private const uint ChecksummedVersion = 0x00010002;
    private const uint TargetFeatureVersion = 0x00010003;
    private const uint WindowColumnsVersion = 0x00010004;

    private static VersionInfo GetVersionInfo() => ModelVersions.Create("MLNXSLWN", WindowColumnsVersion, 0x00010001, LoaderSignature);

    private readonly IHost _host;

    internal SlidingWindowTransformer(IHostEnvironment env, SlidingWindowOptions options, int targetFeatures, int[] windowWidths)
    {
        _host = env.Register(nameof(SlidingWindowTransformer));
        Options = options;
        TargetFeatures = targetFeatures;
        WindowWidths = windowWidths;
        FeaturesPerStep = windowWidths.Sum();
    }

    internal IHost Host => _host;

    /// <summary>The window settings.</summary>
    public SlidingWindowOptions Options { get; }

    /// <summary>Features per time step of the window (1 for a scalar series; the window columns' values added up).</summary>
    public int FeaturesPerStep { get; }

    /// <summary>Values per row of the input column, the target's source.</summary>
    internal int TargetFeatures { get; }

    /// <summary>Values per row of each window column, in the order of <see cref="SlidingWindowOptions.WindowColumnNames"/>.</summary>
    internal int[] WindowWidths { get; }

    /// <summary>False: windows depend on earlier rows.</summary>
    public bool IsRowToRowMapper => false;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        int features = FeaturesOf(inputSchema, Options.InputColumnName);
        Options.ValidateTargetFeature(features);
        if (features != TargetFeatures)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Column '{Options.InputColumnName}' has {features} values per row; this transformer was fitted on {TargetFeatures}.");
        for (int c = 0; c < WindowWidths.Length; c++)
        {
            string name = Options.WindowColumns[c];
            int width = FeaturesOf(inputSchema, name);
            if (width != WindowWidths[c])
                throw new ArgumentOutOfRangeException(nameof(inputSchema),
                    $"Window column '{name}' has {width} values per row; this transformer was fitted on {WindowWidths[c]}.");
        }
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(Options.OutputColumnName, new VectorDataViewType(NumberDataViewType.Single, Options.WindowSize, FeaturesPerStep));
        if (Options.TargetColumnName is string target)
            builder.AddColumn(target, TargetFeatures == 1 || Options.TargetFeatureIndex is not null ? NumberDataViewType.Single : new VectorDataViewType(NumberDataViewType.Single, TargetFeatures));
        return builder.ToSchema();
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new SlidingWindowDataView(this, input, GetOutputSchema(input.Schema));
    }

    /// <summary>Not available: windows depend on earlier rows.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        throw new InvalidOperationException("A sliding window depends on earlier rows, so there is no row-to-row mapper.");

    // Binary format: ChecksummedPayload of (string input, output; bool + string target; int32 window, horizon, stride,
    // differencing, input features; byte allowNonFinite; from 0x00010003 int32 targetFeature, -1 for the whole step; from
    // 0x00010004 int32 window column count, 0 for the input column alone, then each column's string name and int32 width);
    // before 0x00010002 the same fields bare, without the flag.
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ctx.CheckAtModel();
        ctx.SetVersionInfo(GetVersionInfo());
        ChecksummedPayload.Write(ctx.Writer, w => Write(w));
    }

    private void Write(BinaryWriter w)
    {
        w.Write(Options.InputColumnName);
        w.Write(Options.OutputColumnName);
        w.Write(Options.TargetColumnName is not null);
        w.Write(Options.TargetColumnName ?? "");
        w.Write(Options.WindowSize);
        w.Write(Options.Horizon);
        w.Write(Options.Stride);
        w.Write(Options.DifferencingOrder);
        w.Write(TargetFeatures);
        w.Write((byte)(Options.AllowNonFiniteValues ? 1 : 0));
        w.Write(Options.TargetFeatureIndex ?? -1);
        string[] columns = Options.WindowColumnNames ?? [];
        w.Write(columns.Length);
        for (int c = 0; c < columns.Length; c++)
        {
            w.Write(columns[c]);
            w.Write(WindowWidths[c]);
        }
    }

    internal static SlidingWindowTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        bool checksummed = ctx.Header.ModelVerWritten >= ChecksummedVersion;
        try
        {
            BinaryReader r = checksummed
                ? ChecksummedPayload.Read(ctx.Reader, nameof(SlidingWindowTransformer)) : ctx.Reader;
            string input = r.ReadString(), output = r.ReadString();
            bool hasTarget = r.ReadByte() switch
            {
                0 => false,
                1 => true,
                byte b => throw new InvalidDataException($"SlidingWindowTransformer: the saved target flag is {b}; expected 0 or 1."),
            };
            string target = r.ReadString();
            var options = new SlidingWindowOptions
            {
                InputColumnName = input,
                OutputColumnName = output,
                TargetColumnName = hasTarget ? target : null,
                WindowSize = r.ReadInt32(),
                Horizon = r.ReadInt32(),
                Stride = r.ReadInt32(),
                DifferencingOrder = r.ReadInt32(),
            };
            int features = r.ReadInt32();
            int[]? widths = null;
            if (checksummed)
            {
                byte allow = r.ReadByte();
                if (allow > 1)
                    throw new InvalidDataException($"SlidingWindowTransformer: the saved non-finite flag is {allow}; expected 0 or 1.");
                options = options with { AllowNonFiniteValues = allow == 1 };
                if (ctx.Header.ModelVerWritten >= TargetFeatureVersion)
                {
                    int targetFeature = r.ReadInt32();
                    if (targetFeature < -1)
                        throw new InvalidDataException($"SlidingWindowTransformer: the saved target feature index is {targetFeature}; expected -1 or more.");
                    options = options with { TargetFeatureIndex = targetFeature < 0 ? null : targetFeature };
                }
                if (ctx.Header.ModelVerWritten >= WindowColumnsVersion)
                {
                    int count = r.ReadInt32();
                    if (count is < 0 or > 100_000)
                        throw new InvalidDataException($"SlidingWindowTransformer: the saved window column count is {count}; expected 0 to 100000.");
                    if (count > 0)
                    {
                        var names = new string[count];
                        widths = new int[count];
                        for (int c = 0; c < count; c++)
                        {
                            names[c] = r.ReadString();
                            widths[c] = r.ReadInt32();
                            if (widths[c] < 1)
                                throw new InvalidDataException($"SlidingWindowTransformer: window column '{names[c]}' has {widths[c]} saved values per row.");
                        }
                        options = options with { WindowColumnNames = names };
                    }
                }
                ChecksummedPayload.CheckFullyRead(r, nameof(SlidingWindowTransformer));
            }
            options.Validate();
            if (features < 1)
                throw new InvalidDataException($"SlidingWindowTransformer: {features} features per step is invalid.");
            options.ValidateTargetFeature(features);
            return new SlidingWindowTransformer(env, options, features, widths ?? [features]);
        }
        catch (Exception e) when (e is ArgumentException or EndOfStreamException)
        {
            throw new InvalidDataException($"SlidingWindowTransformer: the saved settings are damaged ({e.Message}).", e);
        }
    }

    /// <summary>Values per row of the series column: 1 for Single, the size of a known-size vector of Single.</summary>
    internal static int FeaturesOf(DataViewSchema schema, string name)
    {
        DataViewSchema.Column? column = schema.GetColumnOrNull(name);
        if (column is null)
            throw new ArgumentOutOfRangeException(nameof(name), name, $"The series column '{name}' is not in the data.");
        return column.Value.Type switch
        {
            NumberDataViewType t when t == NumberDataViewType.Single => 1,
            VectorDataViewType { ItemType: var item, IsKnownSize: true } v when item == NumberDataViewType.Single => v.Size,
            var other => throw new ArgumentOutOfRangeException(nameof(name), name,
                $"The series column '{name}' must be Single or a known-size vector of Single; it is {other}."),
        };
    }
}
