using MLNet.Extensions.Trainers.Network.Specs;

namespace MLNet.Extensions.Trainers.Lstm;

/// <summary>The recurrent cell the sequence trainers stack.</summary>
public enum RecurrentKind
{
    /// <summary>Long short-term memory (gates i, f, g, o and a cell state).</summary>
    Lstm,

    /// <summary>Gated recurrent unit (reset-after, gates r, z, n): fewer parameters than an LSTM of the same width.</summary>
    Gru,
}

/// <summary>Specs for each <see cref="RecurrentKind"/>.</summary>
internal static class RecurrentKindSpecs
{
    /// <summary>A layer spec of this kind.</summary>
    public static RecurrentSpec Spec(this RecurrentKind kind, int hidden, bool bidirectional, bool returnSequences) => kind switch
    {
        RecurrentKind.Lstm => new LstmSpec(hidden, bidirectional, returnSequences),
        RecurrentKind.Gru => new GruSpec(hidden, bidirectional, returnSequences),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Expected Lstm or Gru."),
    };
}
