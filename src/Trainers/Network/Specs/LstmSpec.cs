using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Network.Specs;

/// <summary>An LSTM layer over a sequence (Keras' <c>LSTM</c>; <c>Bidirectional(LSTM)</c> when <paramref name="Bidirectional"/>).</summary>
/// <param name="Units">Hidden units per direction.</param>
/// <param name="Bidirectional">Whether the layer also reads each sequence backwards.</param>
/// <param name="ReturnSequences">Whether the output is every step's state or only the final one.</param>
public sealed record LstmSpec(int Units, bool Bidirectional = false, bool ReturnSequences = false) : RecurrentSpec(Units, Bidirectional, ReturnSequences)
{
    private protected override string Name => "Lstm";

    internal override Layer Build(TensorShape input)
    {
        RequireSequenceInput(input);
        return new LstmRecurrentLayer(input, Units, Bidirectional, ReturnSequences);
    }

    /// <inheritdoc />
    public override string ToString() => base.ToString();
}
