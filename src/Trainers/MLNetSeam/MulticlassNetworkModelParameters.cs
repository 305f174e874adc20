using MLNet.Extensions.Transforms.Persistence;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Kernels.Losses;
using MLNet.Extensions.Trainers.Models;

[assembly: LoadableClass(typeof(MulticlassNetworkModelParameters), null, typeof(SignatureLoadModel),
    "MLNet.Extensions multiclass network", MulticlassNetworkModelParameters.LoaderSignature)]

namespace MLNet.Extensions.Trainers.Models;

/// <summary>A trained network for multiclass classification; its Score column holds the softmax class probabilities.</summary>
public sealed class MulticlassNetworkModelParameters : NetworkModelParametersBase<VBuffer<float>>, IValueMapper
{
    internal const string LoaderSignature = "MLNetExtNetMulticlass";
    private const string RegistrationName = "MulticlassNetworkModel";

    // Version history: 0x00010001 initial (network predictor format with history); 0x00010002 the one network format
    // (kind "network"); 0x00010003 checksummed payload, history without timings.
    private static VersionInfo GetVersionInfo() => ModelVersions.Create("MLNXNMCL", ChecksummedVersion, 0x00010001, LoaderSignature, typeof(MulticlassNetworkModelParameters));

    private readonly VectorDataViewType _inputType;
    private readonly VectorDataViewType _outputType;

    internal MulticlassNetworkModelParameters(IHostEnvironment env, NetworkPredictor predictor)
        : base(env, RegistrationName, predictor)
    {
        (_inputType, _outputType) = Types();
    }

    private MulticlassNetworkModelParameters(IHostEnvironment env, ModelLoadContext ctx)
        : base(env, RegistrationName, ctx)
    {
        (_inputType, _outputType) = Types();
    }

    // More visible than the loading constructor, so ML.NET's catalog picks this (it checks the version first).
    internal static MulticlassNetworkModelParameters Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        return new MulticlassNetworkModelParameters(env, ctx);
    }

    /// <summary>Number of classes.</summary>
    public int ClassCount => Predictor.OutputSize;

    private protected override VersionInfo VersionInfo => GetVersionInfo();

    /// <inheritdoc />

    protected override PredictionKind PredictionKind => PredictionKind.MulticlassClassification;

    DataViewType IValueMapper.InputType => _inputType;

    DataViewType IValueMapper.OutputType => _outputType;

    ValueMapper<TSrc, TDst> IValueMapper.GetMapper<TSrc, TDst>()
    {
        Host.Check(typeof(TSrc) == typeof(VBuffer<float>) && typeof(TDst) == typeof(VBuffer<float>),
            "Multiclass network maps a Single vector to a Single vector.");
        IPredictorSession session = Predictor.CreateSession();
        var dense = new float[Predictor.InputSize];
        int classes = ClassCount;
        ValueMapper<VBuffer<float>, VBuffer<float>> map = (in VBuffer<float> source, ref VBuffer<float> destination) =>
        {
            int length = Densify(source, dense);
            var editor = VBufferEditor.Create(ref destination, classes);
            if (length < 0)
            {
                editor.Values.Fill(float.NaN);
                destination = editor.Commit();
                return;
            }
            session.Predict(dense.AsSpan(0, Predictor.VariableLength ? length : dense.Length), editor.Values);
            SoftmaxCrossEntropy.Softmax(1, classes, editor.Values, editor.Values);
            destination = editor.Commit();
        };
        return (ValueMapper<TSrc, TDst>)(Delegate)map;
    }

    private (VectorDataViewType, VectorDataViewType) Types() =>
        (new VectorDataViewType(NumberDataViewType.Single, Predictor.VariableLength ? 0 : Predictor.InputSize),
         new VectorDataViewType(NumberDataViewType.Single, Predictor.OutputSize));
}
