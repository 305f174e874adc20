using MLNet.Extensions.Transforms.Persistence;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;

namespace MLNet.Extensions.Trainers.Models;

/// <summary>
/// Saved form of a <see cref="NeuralNetwork"/> (kind tag "network"):
/// int32 format version (1); input layout: int32 channels, height, width, byte isSequence, int32 trailing features,
/// byte variableLength; int32 layer count; that many <see cref="LayerSpecFormat"/> specs (the output layer last);
/// <see cref="FloatBlock"/> parameters; <see cref="FloatBlock"/> state. Every count is checked against the rebuilt
/// architecture, and the architecture against the bytes left, before the buffers are read.
/// </summary>
internal static class NetworkFormat
{
    /// <summary>Kind tag in model files.</summary>
    public const string KindTag = "network";

    private const int Version = 1;

    /// <summary>Writes <paramref name="network"/>.</summary>
    public static void Write(BinaryWriter writer, NeuralNetwork network)
    {
        writer.Write(Version);
        InputLayout layout = network.Layout;
        writer.Write(layout.Shape.Channels);
        writer.Write(layout.Shape.Height);
        writer.Write(layout.Shape.Width);
        writer.Write(layout.Shape.IsSequence);
        writer.Write(layout.TrailingFeatures);
        writer.Write(layout.VariableLength);
        writer.Write(network.Layers.Count);
        foreach (LayerSpec spec in network.Layers)
            LayerSpecFormat.Write(writer, spec);
        FloatBlock.Write(writer, network.Buffer.Values);
        FloatBlock.Write(writer, network.Buffer.State);
    }

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    public static NeuralNetwork Read(BinaryReader reader)
    {
        int version = reader.ReadInt32();
        if (version != Version)
            throw new InvalidDataException($"Saved network format version {version} is not one this library reads ({Version}).");
        var shape = new TensorShape(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32()) { IsSequence = ReadFlag(reader) };
        int trailing = reader.ReadInt32();
        bool variable = ReadFlag(reader);
        if (shape.Channels <= 0 || shape.Height <= 0 || shape.Width <= 0 || shape.LongSize > int.MaxValue
            || trailing < 0 || shape.LongSize + trailing > int.MaxValue || (shape.IsSequence && shape.Channels != 1))
            throw new InvalidDataException($"Saved network input {shape} with {trailing} trailing features is invalid.");
        int layerCount = reader.ReadInt32();
        if (layerCount is < 1 or > 10_000 || (reader.BaseStream.CanSeek && layerCount > reader.BaseStream.Length - reader.BaseStream.Position))
            throw new InvalidDataException($"Saved network layer count {layerCount} is invalid.");
        var specs = new LayerSpec[layerCount];
        for (int i = 0; i < layerCount; i++)
            specs[i] = LayerSpecFormat.Read(reader);
        return Rebuild(reader, new InputLayout(shape, trailing, variable), new LayerStack(specs), "network", readState: true);
    }

    /// <summary>
    /// Floats one sample's scoring workspace may take for a loaded architecture, beyond 64 × its parameters: 64 MB. A saved
    /// size can ask for more only by a deliberate edit (the payload checksum catches damage), and is refused instead of
    /// allocated at the first scored row.
    /// </summary>
    public const long MaxLoadedWorkspaceFloats = 1L << 24;

    /// <summary>
    /// Builds the network for a saved architecture and reads its buffers, refusing an architecture whose parameters need
    /// more bytes than the stream holds, or whose one-sample workspace is beyond <see cref="MaxLoadedWorkspaceFloats"/>
    /// (so a damaged size cannot make loading or scoring allocate gigabytes).
    /// </summary>
    public static NeuralNetwork Rebuild(BinaryReader reader, InputLayout layout, LayerStack layers, string what, bool readState)
    {
        NeuralNetwork network;
        try
        {
            SequentialNetwork probe = new(layout.Shape, layers, layout.TrailingFeatures);
            long needed = 4L * (probe.ParameterCount + (readState ? probe.StateCount : 0));
            if (reader.BaseStream.CanSeek && needed > reader.BaseStream.Length - reader.BaseStream.Position)
                throw new InvalidDataException(
                    $"The saved {what} needs {needed:N0} bytes of parameters but the entry holds only {reader.BaseStream.Length - reader.BaseStream.Position:N0}: the file is damaged.");
            long workspace = probe.WorkspaceFloats(1);
            if (workspace > MaxLoadedWorkspaceFloats + 64L * probe.ParameterCount)
                throw new InvalidDataException(
                    $"The saved {what} would need {4 * workspace:N0} bytes to score one row with only {probe.ParameterCount:N0} parameters: the file is damaged.");
            network = new NeuralNetwork(layout, layers);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"The saved {what} architecture cannot be rebuilt: {e.Message}", e);
        }
        FloatBlock.ReadInto(reader, network.Buffer.Values, $"{what} parameters");
        if (readState)
            FloatBlock.ReadInto(reader, network.Buffer.State, $"{what} state");
        return network;
    }

    /// <summary>A bool stored as one byte that must be 0 or 1.</summary>
    public static bool ReadFlag(BinaryReader reader) => reader.ReadByte() switch
    {
        0 => false,
        1 => true,
        byte b => throw new InvalidDataException($"A saved flag is {b}; expected 0 or 1."),
    };
}
