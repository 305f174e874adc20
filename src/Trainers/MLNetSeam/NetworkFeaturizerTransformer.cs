using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Trainers.Featurization;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Transforms.MLNetSeam;
using MLNet.Extensions.Transforms.Persistence;

[assembly: LoadableClass(typeof(NetworkFeaturizerTransformer), null, typeof(SignatureLoadModel),
    "MLNet.Extensions network featurizer", NetworkFeaturizerTransformer.LoaderSignature)]

namespace MLNet.Extensions.Trainers.Featurization;

/// <summary>
/// Runs a trained network (CNN or LSTM) on a feature column and outputs its penultimate layer as a vector column, so the
/// learned representation can feed any other ML.NET trainer.
/// </summary>
public sealed class NetworkFeaturizerTransformer : OneToOneTransformerBase
{
    internal const string LoaderSignature = "MLNetExtNetFeaturizer";

    // Version history: 0x00010001 initial; 0x00010002 the one network format (kind "network"); 0x00010003 checksummed
    // payload (covering the column names too), history without timings.
    private const uint ChecksummedVersion = 0x00010003;

    private static VersionInfo GetVersionInfo() =>
        ModelVersions.Create("MLNXNFEA", ChecksummedVersion, 0x00010001, LoaderSignature, typeof(NetworkFeaturizerTransformer));

    private readonly NetworkPredictor _predictor;

    internal NetworkFeaturizerTransformer(IHostEnvironment env, string outputColumnName, string inputColumnName, NetworkPredictor predictor)
        : base(env.Register(nameof(NetworkFeaturizerTransformer)), (outputColumnName, inputColumnName))
    {
        _predictor = predictor;
    }

    private NetworkFeaturizerTransformer(IHost host, ModelLoadContext ctx)
        : base(host, ctx)
    {
        // *** Binary format *** (after the column pairs): ChecksummedPayload of NetworkPredictorFormat (kind, network,
        // history), whose checksum also covers the column names; before 0x00010003 the NetworkPredictorFormat bare.
        try
        {
            if (ctx.Header.ModelVerWritten >= ChecksummedVersion)
            {
                BinaryReader payload = ChecksummedPayload.Read(ctx.Reader, nameof(NetworkFeaturizerTransformer), ChecksummedPayload.ColumnContext(ColumnPairs));
                _predictor = NetworkPredictorFormat.Read(payload);
                ChecksummedPayload.CheckFullyRead(payload, nameof(NetworkFeaturizerTransformer));
            }
            else
            {
                _predictor = NetworkPredictorFormat.Read(ctx.Reader, beforeChecksums: true);
            }
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("NetworkFeaturizerTransformer: the saved network is truncated.", e);
        }
    }

    internal static NetworkFeaturizerTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        if (ctx.Header.ModelVerWritten >= ChecksummedVersion)
            SavedColumns.VerifyAfterColumns(ctx, nameof(NetworkFeaturizerTransformer));
        return new NetworkFeaturizerTransformer(env.Register(nameof(NetworkFeaturizerTransformer)), ctx);
    }

    /// <summary>Width of the output vector (the penultimate layer).</summary>
    public int FeatureSize => _predictor.FeatureSize;

    /// <inheritdoc />
    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.CheckAtModel();
        ctx.SetVersionInfo(GetVersionInfo());
        SaveColumns(ctx);
        ChecksummedPayload.Write(ctx.Writer, payload => NetworkPredictorFormat.Write(payload, _predictor), ChecksummedPayload.ColumnContext(ColumnPairs));
    }

    /// <inheritdoc />
    protected override IRowMapper MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    private sealed class Mapper : OneToOneMapperBase
    {
        private readonly NetworkFeaturizerTransformer _owner;

        public Mapper(NetworkFeaturizerTransformer owner, DataViewSchema inputSchema)
            : base(owner.Host.Register(nameof(Mapper)), owner, inputSchema)
        {
            _owner = owner;
            foreach (var (_, input) in owner.ColumnPairs)
            {
                DataViewType type = inputSchema[input].Type;
                if (type is not VectorDataViewType { ItemType: var item } vector || item != NumberDataViewType.Single
                    || (!owner._predictor.VariableLength && vector.Size != owner._predictor.InputSize))
                    throw new ArgumentOutOfRangeException(nameof(inputSchema), input,
                        $"Column '{input}' must be a vector of {owner._predictor.InputSize} Single values for this network; it is {type}.");
            }
        }

        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() =>
            _owner.ColumnPairs.Select(pair => new DataViewSchema.DetachedColumn(pair.outputColumnName,
                new VectorDataViewType(NumberDataViewType.Single, _owner.FeatureSize))).ToArray();

        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action disposer)
        {
            disposer = null!;
            ValueGetter<VBuffer<float>> source = input.GetGetter<VBuffer<float>>(input.Schema[ColMapNewToOld[iinfo]]);
            // One session per getter: each cursor (and so each thread or prediction engine) scores with its own buffers.
            NetworkPredictor predictor = _owner._predictor;
            IPredictorSession session = predictor.CreateSession();
            var dense = new float[predictor.InputSize];
            string column = input.Schema[ColMapNewToOld[iinfo]].Name;
            VBuffer<float> buffer = default;
            ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> destination) =>
            {
                source(ref buffer);
                if (buffer.Length > dense.Length)
                    throw predictor.SizeError(buffer.Length, column, input.Position);
                Array.Clear(dense);
                buffer.CopyTo(dense);
                var editor = VBufferEditor.Create(ref destination, _owner.FeatureSize);
                if (predictor.CheckRow(dense.AsSpan(0, buffer.Length), column, input.Position))
                    session.Featurize(dense.AsSpan(0, buffer.Length), editor.Values);
                else
                    editor.Values.Fill(float.NaN);
                destination = editor.Commit();
            };
            return getter;
        }
    }
}
