using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Transforms.MLNetSeam;
using MLNet.Extensions.Transforms.Persistence;
using MLNet.Extensions.Transforms.Sequences;

[assembly: LoadableClass(typeof(StandardizeSequenceTransformer), null, typeof(SignatureLoadModel),
    "MLNet.Extensions standardize sequence", StandardizeSequenceTransformer.LoaderSignature)]

namespace MLNet.Extensions.Transforms.Sequences;

/// <summary>
/// Maps each value of a sequence vector to (x - mean[f]) * scale[f], f being its feature within the step; the last
/// <see cref="TrailingValues"/> values of each vector pass through unchanged.
/// </summary>
public sealed class StandardizeSequenceTransformer : OneToOneTransformerBase
{
    internal const string LoaderSignature = "MLNetExtStandardizeSeq";

    // Version history: 0x00010001 initial; 0x00010002 checksummed payload (covering the column names too); 0x00010003 int32
    // trailing values after the scales.
    private const uint ChecksummedVersion = 0x00010002;
    private const uint TrailingValuesVersion = 0x00010003;

    private static VersionInfo GetVersionInfo() => ModelVersions.Create("MLNXSTDS", TrailingValuesVersion, 0x00010001, LoaderSignature);

    private readonly float[] _mean;
    private readonly float[] _scale;
    private readonly int _trailing;

    internal StandardizeSequenceTransformer(IHost host, string outputColumnName, string inputColumnName, float[] mean, float[] scale,
        int trailingValues = 0)
        : base(host, (outputColumnName, inputColumnName))
    {
        _mean = mean;
        _scale = scale;
        _trailing = trailingValues;
    }

    private StandardizeSequenceTransformer(IHost host, ModelLoadContext ctx)
        : base(host, ctx)
    {
        // *** Binary format *** (after the column pairs): ChecksummedPayload (also covering the column names) of
        // FloatBlock mean (F floats), FloatBlock scale (F floats), since 0x00010003 int32 trailing values; before 0x00010002
        // the two blocks bare.
        const string name = nameof(StandardizeSequenceTransformer);
        bool checksummed = ctx.Header.ModelVerWritten >= ChecksummedVersion;
        BinaryReader reader = checksummed
            ? ChecksummedPayload.Read(ctx.Reader, name, ChecksummedPayload.ColumnContext(ColumnPairs)) : ctx.Reader;
        _mean = FloatBlock.Read(reader, $"{name} mean");
        _scale = FloatBlock.Read(reader, $"{name} scale");
        _trailing = ctx.Header.ModelVerWritten >= TrailingValuesVersion ? reader.ReadInt32() : 0;
        if (_trailing < 0)
            throw new InvalidDataException($"StandardizeSequenceTransformer: {_trailing} trailing values; expected zero or more.");
        if (checksummed)
            ChecksummedPayload.CheckFullyRead(reader, name);
        if (_mean.Length == 0 || _mean.Length != _scale.Length)
            throw new InvalidDataException($"StandardizeSequenceTransformer: {_mean.Length} means and {_scale.Length} scales; they must match and be non-empty.");
    }

    internal static StandardizeSequenceTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        if (ctx.Header.ModelVerWritten >= ChecksummedVersion)
            SavedColumns.VerifyAfterColumns(ctx, nameof(StandardizeSequenceTransformer));
        return new StandardizeSequenceTransformer(env.Register(nameof(StandardizeSequenceTransformer)), ctx);
    }

    /// <summary>Features per step.</summary>
    public int FeaturesPerStep => _mean.Length;

    /// <summary>Values at the end of each vector that are left unchanged (per-sequence features after the steps).</summary>
    public int TrailingValues => _trailing;

    /// <summary>The learned mean of each feature.</summary>
    public IReadOnlyList<float> Mean => _mean;

    /// <summary>The learned 1 / standard deviation of each feature (1 for constant features).</summary>
    public IReadOnlyList<float> Scale => _scale;

    /// <inheritdoc />
    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.CheckAtModel();
        ctx.SetVersionInfo(GetVersionInfo());
        SaveColumns(ctx);
        ChecksummedPayload.Write(ctx.Writer, writer =>
        {
            FloatBlock.Write(writer, _mean);
            FloatBlock.Write(writer, _scale);
            writer.Write(_trailing);
        }, ChecksummedPayload.ColumnContext(ColumnPairs));
    }

    /// <inheritdoc />
    protected override IRowMapper MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    private sealed class Mapper : OneToOneMapperBase
    {
        private readonly StandardizeSequenceTransformer _owner;

        public Mapper(StandardizeSequenceTransformer parent, DataViewSchema inputSchema)
            : base(parent.Host.Register(nameof(Mapper)), parent, inputSchema)
        {
            _owner = parent;
            foreach (var (_, input) in parent.ColumnPairs)
                StandardizeSequenceEstimator.CheckColumn(inputSchema, input, parent.FeaturesPerStep, parent.TrailingValues);
        }

        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() =>
            _owner.ColumnPairs.Select(pair => new DataViewSchema.DetachedColumn(pair.outputColumnName, InputSchema[pair.inputColumnName].Type)).ToArray();

        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action disposer)
        {
            disposer = null!;
            ValueGetter<VBuffer<float>> source = input.GetGetter<VBuffer<float>>(input.Schema[ColMapNewToOld[iinfo]]);
            VBuffer<float> buffer = default;
            float[] mean = _owner._mean, scale = _owner._scale;
            int f = mean.Length, e = _owner._trailing;
            string name = _owner.ColumnPairs[iinfo].inputColumnName;
            ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> destination) =>
            {
                source(ref buffer);
                int steps = buffer.Length - e;
                if (steps < 0 || steps % f != 0)
                    throw new InvalidOperationException($"Column '{name}' has {buffer.Length} values; expected {StandardizeSequenceEstimator.Expected(f, e)}.");
                var editor = VBufferEditor.Create(ref destination, buffer.Length);
                buffer.CopyTo(editor.Values);
                for (int i = 0; i < steps; i++)
                    editor.Values[i] = (editor.Values[i] - mean[i % f]) * scale[i % f];
                destination = editor.Commit();
            };
            return getter;
        }
    }
}
