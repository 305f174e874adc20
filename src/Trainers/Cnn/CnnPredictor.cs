using MLNet.Extensions.Transforms.Persistence;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;

namespace MLNet.Extensions.Trainers.Cnn;

/// <summary>A trained <see cref="CnnNetwork"/> as a predictor.</summary>
internal sealed class CnnPredictor : NetworkPredictor
{
    /// <summary>Kind tag in model files.</summary>
    public const string KindTag = "cnn";

    public CnnPredictor(CnnNetwork network)
    {
        Network = network;
    }

    /// <summary>The network, with its trained buffer.</summary>
    public CnnNetwork Network { get; }

    public override int InputSize => Network.InputShape.Size;

    public override int OutputSize => Network.Outputs;

    public override int FeatureSize => Network.PenultimateSize;

    public override int ParameterCount => Network.Sequential.ParameterCount;

    public override string Kind => KindTag;

    public override IReadOnlyList<string> LayerSummary =>
        [$"input {Network.InputShape}", .. Network.Sequential.Layers.Select(l => $"{l.Description} -> {l.OutputShape}")];

    public override IPredictorSession CreateSession() => new Session(Network);

    // Binary format (inside the model parameters' stream, after the kind tag):
    //   int32 channels, height, width; int32 outputs; int32 layerCount; layerCount x LayerSpecFormat;
    //   int32 parameterCount; float32[parameterCount]; int32 stateCount; float32[stateCount]
    public override void Save(BinaryWriter writer)
    {
        TensorShape shape = Network.InputShape;
        writer.Write(shape.Channels);
        writer.Write(shape.Height);
        writer.Write(shape.Width);
        writer.Write(Network.Outputs);
        writer.Write(Network.Body.Count);
        foreach (LayerSpec spec in Network.Body)
            LayerSpecFormat.Write(writer, spec);
        FloatBlock.Write(writer, Network.Buffer.Values);
        FloatBlock.Write(writer, Network.Buffer.State);
    }

    /// <summary>Reads what <see cref="Save"/> wrote, validating every count against the rebuilt architecture.</summary>
    public static CnnPredictor Load(BinaryReader reader)
    {
        var shape = new TensorShape(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
        if (shape.Channels <= 0 || shape.Height <= 0 || shape.Width <= 0 || (long)shape.Channels * shape.Height * shape.Width > int.MaxValue)
            throw new InvalidDataException($"CNN input shape {shape} is invalid.");
        int outputs = reader.ReadInt32();
        if (outputs <= 0)
            throw new InvalidDataException($"CNN output width {outputs} is invalid.");
        int layerCount = reader.ReadInt32();
        if (layerCount is < 0 or > 10_000)
            throw new InvalidDataException($"CNN layer count {layerCount} is invalid.");
        var specs = new LayerSpec[layerCount];
        for (int i = 0; i < layerCount; i++)
            specs[i] = LayerSpecFormat.Read(reader);
        CnnNetwork network;
        try
        {
            network = new CnnNetwork(shape, new LayerStack(specs), outputs);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"The saved CNN architecture cannot be rebuilt: {e.Message}", e);
        }
        FloatBlock.ReadInto(reader, network.Buffer.Values, "CNN parameters");
        FloatBlock.ReadInto(reader, network.Buffer.State, "CNN state");
        return new CnnPredictor(network);
    }

    private sealed class Session : IPredictorSession
    {
        private readonly CnnNetwork _network;
        private readonly SequentialWorkspace _workspace;

        public Session(CnnNetwork network)
        {
            _network = network;
            _workspace = network.CreateWorkspace(1);
        }

        public void Predict(ReadOnlySpan<float> features, Span<float> outputs)
        {
            features.CopyTo(_workspace.Input);
            _network.Infer(_workspace, 1).CopyTo(outputs);
        }

        public void Featurize(ReadOnlySpan<float> input, Span<float> features)
        {
            input.CopyTo(_workspace.Input);
            _network.Infer(_workspace, 1);
            _workspace.Activation(_network.Sequential.Layers.Count - 1)[..features.Length].CopyTo(features);
        }
    }
}
