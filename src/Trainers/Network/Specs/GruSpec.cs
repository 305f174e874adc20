using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Network.Specs;

/// <summary>A GRU layer over a sequence (Keras' <c>GRU</c> with reset_after; <c>Bidirectional(GRU)</c> when <paramref name="Bidirectional"/>).</summary>
/// <param name="Units">Hidden units per direction.</param>
/// <param name="Bidirectional">Whether the layer also reads each sequence backwards.</param>
/// <param name="ReturnSequences">Whether the output is every step's state or only the final one.</param>
public sealed record GruSpec(int Units, bool Bidirectional = false, bool ReturnSequences = false) : RecurrentSpec(Units, Bidirectional, ReturnSequences)
{
    private protected override string Name => "Gru";

    internal override Layer Build(TensorShape input)
    {
        RequireSequenceInput(input);
        return new GruRecurrentLayer(input, Units, Bidirectional, ReturnSequences);
    }

    /// <inheritdoc />
    public override string ToString() => base.ToString();
}
