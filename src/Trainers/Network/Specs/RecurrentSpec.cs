namespace MLNet.Extensions.Trainers.Network.Specs;

/// <summary>What LSTM and GRU layer specs share: units, direction and whether every step's state is the output.</summary>
/// <param name="Units">Hidden units per direction.</param>
/// <param name="Bidirectional">Whether the layer also reads each sequence backwards; the output concatenates both directions.</param>
/// <param name="ReturnSequences">Whether the output is every step's state (to feed another sequence layer) or only the final state (Keras' return_sequences).</param>
public abstract record RecurrentSpec(int Units, bool Bidirectional, bool ReturnSequences) : LayerSpec
{
    /// <summary>Layer name in messages, e.g. "Lstm".</summary>
    private protected abstract string Name { get; }

    /// <inheritdoc />
    public override void Validate()
    {
        Require(Units is >= 1 and <= 16_384, $"{Name}.Units", Units, "1 to 16384");
    }

    /// <summary>Checks the input is a sequence before the layer is built.</summary>
    private protected void RequireSequenceInput(TensorShape input) => RequireSequence(input, Name);

    /// <inheritdoc />
    public override string ToString() =>
        $"{(Bidirectional ? "bi" : "")}{Name.ToLowerInvariant()}({Units}{(ReturnSequences ? ", every step" : "")})";
}
