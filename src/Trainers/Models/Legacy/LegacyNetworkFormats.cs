using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;

namespace MLNet.Extensions.Trainers.Models.Legacy;

/// <summary>
/// Readers of the two network formats written before the one-network model ("cnn" and "lstm" kind tags, library 0.1.0).
/// Each rebuilds the equivalent layer stack (the old LSTM's through the same <see cref="RecurrentStack"/> the trainers use), whose flat parameter layout is the old one, so the saved floats are read
/// unchanged.
/// </summary>
internal static class LegacyNetworkFormats
{
    /// <summary>Kind tag of the old CNN format.</summary>
    public const string CnnKind = "cnn";

    /// <summary>Kind tag of the old LSTM format.</summary>
    public const string LstmKind = "lstm";

    // Old CNN format: int32 channels, height, width; int32 outputs; int32 layerCount; layerCount x LayerSpecFormat (without
    // the output layer); FloatBlock parameters; FloatBlock state.
    /// <summary>Reads an old CNN.</summary>
    public static NeuralNetwork ReadCnn(BinaryReader reader)
    {
        var shape = new TensorShape(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
        if (shape.Channels <= 0 || shape.Height <= 0 || shape.Width <= 0 || shape.LongSize > int.MaxValue)
            throw new InvalidDataException($"CNN input shape {shape} is invalid.");
        int outputs = reader.ReadInt32();
        if (outputs is <= 0 or > 1_000_000)
            throw new InvalidDataException($"CNN output width {outputs} is invalid.");
        int layerCount = reader.ReadInt32();
        if (layerCount is < 0 or > 10_000)
            throw new InvalidDataException($"CNN layer count {layerCount} is invalid.");
        var specs = new LayerSpec[layerCount + 1];
        for (int i = 0; i < layerCount; i++)
            specs[i] = LayerSpecFormat.Read(reader);
        specs[^1] = new DenseSpec(outputs);
        return NetworkFormat.Rebuild(reader, new InputLayout(shape), new LayerStack(specs), "CNN", readState: true);
    }

    // Old LSTM format: int32 maxSteps, featuresPerStep, trailingFeatures, hiddenSize, layerCount; bool bidirectional;
    // float32 dropout; int32 denseUnits, outputs; bool variableLength; bool everyStep; FloatBlock parameters (per layer, per
    // direction: W_ih, W_hh, bias; then the dense head; then the output layer).
    /// <summary>Reads an old LSTM network.</summary>
    public static NeuralNetwork ReadLstm(BinaryReader reader)
    {
        int steps = reader.ReadInt32(), features = reader.ReadInt32(), trailing = reader.ReadInt32(), hidden = reader.ReadInt32(),
            layers = reader.ReadInt32();
        bool bidirectional = NetworkFormat.ReadFlag(reader);
        float dropout = reader.ReadSingle();
        int dense = reader.ReadInt32(), outputs = reader.ReadInt32();
        bool variable = NetworkFormat.ReadFlag(reader), everyStep = NetworkFormat.ReadFlag(reader);
        if (steps is < 1 or > 1_000_000 || features is < 1 or > 1_000_000 || trailing is < 0 or > 1_000_000
            || hidden is < 1 or > 16_384 || layers is < 1 or > 1000 || !(dropout is >= 0 and < 1)
            || dense is < 0 or > 1_000_000 || outputs is < 1 or > 1_000_000 || (long)steps * features > int.MaxValue)
            throw new InvalidDataException(
                $"The saved LSTM architecture (steps {steps}, features {features}, trailing {trailing}, hidden {hidden}, layers {layers}, dense {dense}, outputs {outputs}) is invalid.");
        return NetworkFormat.Rebuild(reader, new InputLayout(TensorShape.Sequence(steps, features), trailing, variable),
            RecurrentStack.Build(RecurrentStack.Lstm, layers, hidden, bidirectional, dropout, trailing, dense, outputs, everyStep), "LSTM", readState: false);
    }
}
