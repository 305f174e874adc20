using MLNet.Extensions.Transforms.Persistence;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Trainers.Models;

[assembly: LoadableClass(typeof(BinaryNetworkModelParameters), null, typeof(SignatureLoadModel),
    "MLNet.Extensions binary network", BinaryNetworkModelParameters.LoaderSignature)]

namespace MLNet.Extensions.Trainers.Models;

/// <summary>A trained network for binary classification: Score is the logit, Probability its sigmoid.</summary>
public sealed class BinaryNetworkModelParameters : NetworkModelParametersBase<float>, IValueMapperDist
{
    internal const string LoaderSignature = "MLNetExtNetBinary";
    private const string RegistrationName = "BinaryNetworkModel";

    // Version history: 0x00010001 initial (network predictor format with history); 0x00010002 the one network format
    // (kind "network"); 0x00010003 checksummed payload, history without timings.
    private static VersionInfo GetVersionInfo() => ModelVersions.Create("MLNXNBIN", ChecksummedVersion, 0x00010001, LoaderSignature, typeof(BinaryNetworkModelParameters));

    private readonly VectorDataViewType _inputType;

    internal BinaryNetworkModelParameters(IHostEnvironment env, NetworkPredictor predictor)
        : base(env, RegistrationName, predictor)
    {
        _inputType = InputVectorType();
    }

    private BinaryNetworkModelParameters(IHostEnvironment env, ModelLoadContext ctx)
        : base(env, RegistrationName, ctx)
    {
        if (Predictor.OutputSize != 1)
            throw new InvalidDataException($"{RegistrationName}: the saved network writes {Predictor.OutputSize} values; a binary classifier writes 1.");
        _inputType = InputVectorType();
    }

    // More visible than the loading constructor, so ML.NET's catalog picks this (it checks the version first).
    internal static BinaryNetworkModelParameters Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        return new BinaryNetworkModelParameters(env, ctx);
    }

    private protected override VersionInfo VersionInfo => GetVersionInfo();

    /// <inheritdoc />

    protected override PredictionKind PredictionKind => PredictionKind.BinaryClassification;

    DataViewType IValueMapper.InputType => _inputType;

    DataViewType IValueMapper.OutputType => NumberDataViewType.Single;

    DataViewType IValueMapperDist.DistType => NumberDataViewType.Single;

    ValueMapper<TSrc, TDst> IValueMapper.GetMapper<TSrc, TDst>()
    {
        Host.Check(typeof(TSrc) == typeof(VBuffer<float>) && typeof(TDst) == typeof(float),
            "Binary network maps a Single vector to a Single score.");
        Func<VBuffer<float>, float> logit = CreateLogit();
        ValueMapper<VBuffer<float>, float> map = (in VBuffer<float> source, ref float score) => score = logit(source);
        return (ValueMapper<TSrc, TDst>)(Delegate)map;
    }

    ValueMapper<TSrc, TDst, TDist> IValueMapperDist.GetMapper<TSrc, TDst, TDist>()
    {
        Host.Check(typeof(TSrc) == typeof(VBuffer<float>) && typeof(TDst) == typeof(float) && typeof(TDist) == typeof(float),
            "Binary network maps a Single vector to a Single score and probability.");
        Func<VBuffer<float>, float> logit = CreateLogit();
        ValueMapper<VBuffer<float>, float, float> map = (in VBuffer<float> source, ref float score, ref float probability) =>
        {
            score = logit(source);
            probability = 1f / (1f + MathF.Exp(-score));
        };
        return (ValueMapper<TSrc, TDst, TDist>)(Delegate)map;
    }

    private Func<VBuffer<float>, float> CreateLogit()
    {
        IPredictorSession session = Predictor.CreateSession();
        var dense = new float[Predictor.InputSize];
        var output = new float[1];
        return source =>
        {
            int length = Densify(source, dense);
            if (length < 0)
                return float.NaN;
            session.Predict(dense.AsSpan(0, Predictor.VariableLength ? length : dense.Length), output);
            return output[0];
        };
    }

    private VectorDataViewType InputVectorType() =>
        new(NumberDataViewType.Single, Predictor.VariableLength ? 0 : Predictor.InputSize);
}
