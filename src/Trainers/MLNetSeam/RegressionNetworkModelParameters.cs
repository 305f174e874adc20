using MLNet.Extensions.Transforms.Persistence;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Trainers.Models;

[assembly: LoadableClass(typeof(RegressionNetworkModelParameters), null, typeof(SignatureLoadModel),
    "MLNet.Extensions regression network", RegressionNetworkModelParameters.LoaderSignature)]

namespace MLNet.Extensions.Trainers.Models;

/// <summary>A trained network for regression: Score is the predicted value.</summary>
public sealed class RegressionNetworkModelParameters : NetworkModelParametersBase<float>, IValueMapper
{
    internal const string LoaderSignature = "MLNetExtNetRegression";
    private const string RegistrationName = "RegressionNetworkModel";

    // Version history: 0x00010001 initial (network predictor format with history); 0x00010002 the one network format
    // (kind "network"); 0x00010003 checksummed payload, history without timings; 0x00010004 byte has-target-scaling
    // after the network, then the TargetScaling when 1 (files before it score raw outputs).
    private static VersionInfo GetVersionInfo() => ModelVersions.Create("MLNXNREG", ScaledTargetsVersion, 0x00010001, LoaderSignature, typeof(RegressionNetworkModelParameters));

    private const uint ScaledTargetsVersion = 0x00010004;

    private readonly VectorDataViewType _inputType;

    internal RegressionNetworkModelParameters(IHostEnvironment env, NetworkPredictor predictor)
        : base(env, RegistrationName, predictor)
    {
        _inputType = InputVectorType();
    }

    private RegressionNetworkModelParameters(IHostEnvironment env, ModelLoadContext ctx)
        : base(env, RegistrationName, ctx, ctx.Header.ModelVerWritten >= ScaledTargetsVersion ? ReadTargetScaling : null)
    {
        _inputType = InputVectorType();
    }

    // More visible than the loading constructor, so ML.NET's catalog picks this (it checks the version first).
    internal static RegressionNetworkModelParameters Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        return new RegressionNetworkModelParameters(env, ctx);
    }

    private protected override VersionInfo VersionInfo => GetVersionInfo();

    /// <summary>The mean and scale of each target the network learned standardised (undone at scoring), or null for raw targets.</summary>
    public (IReadOnlyList<float> Mean, IReadOnlyList<float> Scale)? TargetStandardization =>
        Predictor.TargetScaling is { } scaling ? (scaling.Mean, scaling.Scale) : null;

    private protected override void WriteExtra(BinaryWriter payload)
    {
        payload.Write((byte)(Predictor.TargetScaling is null ? 0 : 1));
        Predictor.TargetScaling?.Write(payload);
    }

    private static NetworkPredictor ReadTargetScaling(BinaryReader payload, NetworkPredictor predictor)
    {
        byte present = payload.ReadByte();
        if (present > 1)
            throw new InvalidDataException($"The saved target-scaling flag is {present}; expected 0 or 1.");
        if (present == 0)
            return predictor;
        return new NetworkPredictor(predictor.Network)
        {
            History = predictor.History,
            FeatureColumnName = predictor.FeatureColumnName,
            NonFiniteInputsGiveNaN = predictor.NonFiniteInputsGiveNaN,
            TargetScaling = TargetScaling.Read(payload, predictor.OutputSize),
        };
    }

    /// <inheritdoc />

    protected override PredictionKind PredictionKind => PredictionKind.Regression;

    DataViewType IValueMapper.InputType => _inputType;

    DataViewType IValueMapper.OutputType => NumberDataViewType.Single;

    ValueMapper<TSrc, TDst> IValueMapper.GetMapper<TSrc, TDst>()
    {
        Host.Check(typeof(TSrc) == typeof(VBuffer<float>) && typeof(TDst) == typeof(float),
            "Regression network maps a Single vector to a Single value.");
        IPredictorSession session = Predictor.CreateSession();
        var dense = new float[Predictor.InputSize];
        var output = new float[Predictor.OutputSize];
        ValueMapper<VBuffer<float>, float> map = (in VBuffer<float> source, ref float value) =>
        {
            int length = Densify(source, dense);
            if (length < 0)
            {
                value = float.NaN;
                return;
            }
            session.Predict(dense.AsSpan(0, Predictor.VariableLength ? length : dense.Length), output);
            value = output[0];
        };
        return (ValueMapper<TSrc, TDst>)(Delegate)map;
    }

    private VectorDataViewType InputVectorType() =>
        new(NumberDataViewType.Single, Predictor.VariableLength ? 0 : Predictor.InputSize);
}
