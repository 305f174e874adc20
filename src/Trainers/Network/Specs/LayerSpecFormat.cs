using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.Kernels.Convolution;

namespace MLNet.Extensions.Trainers.Network.Specs;

/// <summary>
/// Binary form of layer specs inside a model file.
/// Per spec: byte kind, then the kind's fields as int32/float32 (conv: filters, kernel, stride, padding;
/// activation: kind, slope; pooling: kind, size, stride, padding; dense: units; dropout: rate; lstm and gru: units, bool
/// bidirectional, bool every step; conv1d: filters, kernel, stride, dilation, padding mode; pooling1d: kind, size, stride, padding;
/// global pooling: kind; flatten, batchnorm, append-trailing, to-sequence: none).
/// Every value read is checked by the spec's own <see cref="LayerSpec.Validate"/>.
/// </summary>
internal static class LayerSpecFormat
{
    private const byte Conv = 1, Act = 2, Pool = 3, Flat = 4, DenseKind = 5, Drop = 6, Norm = 7, LstmKind = 8, Trailing = 9, ToSeq = 10, GruKind = 11, Conv1 = 12, Pool1 = 13, GlobalPool = 14;

    /// <summary>Writes <paramref name="spec"/>.</summary>
    public static void Write(BinaryWriter writer, LayerSpec spec)
    {
        switch (spec)
        {
            case Conv2dSpec c:
                writer.Write(Conv); writer.Write(c.Filters); writer.Write(c.KernelSize); writer.Write(c.Stride); writer.Write(c.Padding);
                break;
            case ActivationSpec a:
                writer.Write(Act); writer.Write((int)a.Kind); writer.Write(a.LeakySlope);
                break;
            case PoolingSpec p:
                writer.Write(Pool); writer.Write((int)p.Kind); writer.Write(p.Size); writer.Write(p.Stride); writer.Write(p.Padding);
                break;
            case FlattenSpec:
                writer.Write(Flat);
                break;
            case DenseSpec d:
                writer.Write(DenseKind); writer.Write(d.Units);
                break;
            case DropoutSpec d:
                writer.Write(Drop); writer.Write(d.Rate);
                break;
            case BatchNormSpec:
                writer.Write(Norm);
                break;
            case LstmSpec l:
                writer.Write(LstmKind); writer.Write(l.Units); writer.Write(l.Bidirectional); writer.Write(l.ReturnSequences);
                break;
            case GruSpec g:
                writer.Write(GruKind); writer.Write(g.Units); writer.Write(g.Bidirectional); writer.Write(g.ReturnSequences);
                break;
            case Conv1dSpec c:
                writer.Write(Conv1); writer.Write(c.Filters); writer.Write(c.KernelSize); writer.Write(c.Stride); writer.Write(c.Dilation);
                writer.Write((int)c.Padding);
                break;
            case Pooling1dSpec p:
                writer.Write(Pool1); writer.Write((int)p.Kind); writer.Write(p.Size); writer.Write(p.Stride); writer.Write(p.Padding);
                break;
            case GlobalPoolingSpec g:
                writer.Write(GlobalPool); writer.Write((int)g.Kind);
                break;
            case AppendTrailingFeaturesSpec:
                writer.Write(Trailing);
                break;
            case ToSequenceSpec:
                writer.Write(ToSeq);
                break;
            default:
                throw new NotSupportedException($"Layer spec {spec.GetType().Name} has no saved form.");
        }
    }

    /// <summary>Reads one spec, throwing <see cref="InvalidDataException"/> for an unknown kind or invalid fields.</summary>
    public static LayerSpec Read(BinaryReader reader)
    {
        byte kind = reader.ReadByte();
        LayerSpec spec = kind switch
        {
            Conv => new Conv2dSpec(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32()),
            Act => new ActivationSpec((ActivationKind)reader.ReadInt32(), reader.ReadSingle()),
            Pool => new PoolingSpec((PoolingKind)reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32()),
            Flat => new FlattenSpec(),
            DenseKind => new DenseSpec(reader.ReadInt32()),
            Drop => new DropoutSpec(reader.ReadSingle()),
            Norm => new BatchNormSpec(),
            LstmKind => new LstmSpec(reader.ReadInt32(), ReadFlag(reader), ReadFlag(reader)),
            GruKind => new GruSpec(reader.ReadInt32(), ReadFlag(reader), ReadFlag(reader)),
            Conv1 => new Conv1dSpec(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), (Conv1dPaddingMode)reader.ReadInt32()),
            Pool1 => new Pooling1dSpec((PoolingKind)reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32()),
            GlobalPool => new GlobalPoolingSpec((PoolingKind)reader.ReadInt32()),
            Trailing => new AppendTrailingFeaturesSpec(),
            ToSeq => new ToSequenceSpec(),
            _ => throw new InvalidDataException($"Unknown layer kind {kind} in the model's layer list."),
        };
        try
        {
            spec.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Saved layer {spec} is invalid: {e.Message}", e);
        }
        return spec;
    }

    /// <summary>A bool stored as one byte that must be 0 or 1, so a damaged byte is not read as true.</summary>
    private static bool ReadFlag(BinaryReader reader) => reader.ReadByte() switch
    {
        0 => false,
        1 => true,
        byte b => throw new InvalidDataException($"A saved layer flag is {b}; expected 0 or 1."),
    };
}
