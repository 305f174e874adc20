using MLNet.Extensions.Transforms.Persistence;
using MLNet.Extensions.Trainers.Models;

namespace MLNet.Extensions.Trainers.Lstm;

/// <summary>A trained <see cref="LstmNetwork"/> as a predictor.</summary>
internal sealed class LstmPredictor : NetworkPredictor
{
    /// <summary>Kind tag in model files.</summary>
    public const string KindTag = "lstm";

    public LstmPredictor(LstmNetwork network, bool variableLength)
    {
        Network = network;
        VariableLengthInput = variableLength;
    }

    /// <summary>The network with its trained buffer.</summary>
    public LstmNetwork Network { get; }

    private bool VariableLengthInput { get; }

    public override int InputSize => Network.Architecture.FeatureSize;

    public override bool VariableLength => VariableLengthInput;

    public override int OutputSize => Network.Architecture.SampleOutputs;

    public override int FeatureSize => Network.Architecture.OutputInput;

    public override int ParameterCount => Network.ParameterCount;

    public override string Kind => KindTag;

    public override IReadOnlyList<string> LayerSummary
    {
        get
        {
            LstmArchitecture a = Network.Architecture;
            var lines = new List<string> { $"input up to {a.MaxSteps} steps x {a.FeaturesPerStep}" + (a.TrailingFeatures > 0 ? $" + {a.TrailingFeatures} trailing" : "") };
            for (int l = 0; l < a.LayerCount; l++)
                lines.Add($"{(a.Bidirectional ? "bidirectional " : "")}lstm {a.HiddenSize} -> ({a.LayerOutput} per step)" + (l < a.LayerCount - 1 && a.Dropout > 0 ? $", dropout {a.Dropout}" : ""));
            if (a.DenseUnits > 0)
                lines.Add($"dense {a.DenseUnits} relu -> ({a.DenseUnits})");
            lines.Add($"dense {a.Outputs} -> ({a.Outputs})");
            return lines;
        }
    }

    public override IPredictorSession CreateSession() => new Session(this);

    // Binary format: int32 maxSteps, featuresPerStep, trailingFeatures, hiddenSize, layerCount; bool bidirectional;
    // float32 dropout; int32 denseUnits, outputs; bool variableLength; bool everyStep; FloatBlock parameters.
    public override void Save(BinaryWriter writer)
    {
        LstmArchitecture a = Network.Architecture;
        writer.Write(a.MaxSteps);
        writer.Write(a.FeaturesPerStep);
        writer.Write(a.TrailingFeatures);
        writer.Write(a.HiddenSize);
        writer.Write(a.LayerCount);
        writer.Write(a.Bidirectional);
        writer.Write(a.Dropout);
        writer.Write(a.DenseUnits);
        writer.Write(a.Outputs);
        writer.Write(VariableLengthInput);
        writer.Write(a.EveryStep);
        FloatBlock.Write(writer, Network.Buffer.Values);
    }

    /// <summary>Reads what <see cref="Save"/> wrote, validating the architecture before allocating it.</summary>
    public static LstmPredictor Load(BinaryReader reader)
    {
        var a = new LstmArchitecture(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(),
            reader.ReadBoolean(), reader.ReadSingle(), reader.ReadInt32(), reader.ReadInt32());
        bool variable = reader.ReadBoolean();
        a = a with { EveryStep = reader.ReadBoolean() };
        if (a.MaxSteps is < 1 or > 1_000_000 || a.FeaturesPerStep is < 1 or > 1_000_000 || a.TrailingFeatures is < 0 or > 1_000_000
            || a.HiddenSize is < 1 or > 65_536 || a.LayerCount is < 1 or > 1000 || !(a.Dropout is >= 0 and < 1)
            || a.DenseUnits is < 0 or > 1_000_000 || a.Outputs is < 1 or > 1_000_000)
            throw new InvalidDataException($"The saved LSTM architecture {a} is invalid.");
        var network = new LstmNetwork(a);
        FloatBlock.ReadInto(reader, network.Buffer.Values, "LSTM parameters");
        return new LstmPredictor(network, variable);
    }

    private sealed class Session : IPredictorSession
    {
        private readonly LstmPredictor _owner;
        private readonly LstmWorkspace _workspace;
        private readonly float[] _row;
        private readonly int[] _length = new int[1];

        public Session(LstmPredictor owner)
        {
            _owner = owner;
            _workspace = new LstmWorkspace(owner.Network.Architecture, 1, seed: 0);
            _row = new float[owner.InputSize];
        }

        public void Predict(ReadOnlySpan<float> features, Span<float> outputs) => Run(features).CopyTo(outputs);

        public void Featurize(ReadOnlySpan<float> input, Span<float> features)
        {
            Run(input);
            LstmArchitecture a = _owner.Network.Architecture;
            ReadOnlySpan<float> source = a.DenseUnits > 0 ? _workspace.DenseActivated : _workspace.HeadInput;
            source[..features.Length].CopyTo(features);
        }

        private ReadOnlySpan<float> Run(ReadOnlySpan<float> features)
        {
            features.CopyTo(_row);
            _row.AsSpan(features.Length).Clear();
            _length[0] = features.Length;
            return _owner.Network.Forward(_workspace, _row, _length, 1, training: false);
        }
    }
}
