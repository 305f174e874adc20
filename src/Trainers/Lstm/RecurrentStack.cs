using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.Trainers.Network.Specs;

namespace MLNet.Extensions.Trainers.Lstm;

/// <summary>Turns the simple knobs of the sequence trainers (layers, hidden size, direction, dropout, dense head) into a layer stack.</summary>
internal static class RecurrentStack
{
    /// <summary>
    /// <paramref name="layers"/> recurrent layers of <paramref name="recurrent"/> (every step's state feeding the next, with
    /// dropout between them), the trailing features appended to the last state, an optional ReLU dense layer and the output
    /// layer (per step when <paramref name="everyStep"/>).
    /// </summary>
    public static LayerStack Build(Func<int, bool, bool, RecurrentSpec> recurrent, int layers, int hidden, bool bidirectional,
        float dropout, int trailing, int dense, int outputs, bool everyStep)
    {
        var specs = new List<LayerSpec>();
        for (int l = 0; l < layers; l++)
        {
            bool last = l == layers - 1;
            specs.Add(recurrent(hidden, bidirectional, !last || everyStep));
            if (!last && dropout > 0)
                specs.Add(new DropoutSpec(dropout));
        }
        if (trailing > 0)
            specs.Add(new AppendTrailingFeaturesSpec());
        if (dense > 0)
        {
            specs.Add(new DenseSpec(dense));
            specs.Add(new ActivationSpec(ActivationKind.Relu));
        }
        specs.Add(new DenseSpec(outputs));
        return new LayerStack(specs);
    }

    /// <summary>An LSTM layer spec, for <see cref="Build"/>.</summary>
    public static RecurrentSpec Lstm(int hidden, bool bidirectional, bool returnSequences) => new LstmSpec(hidden, bidirectional, returnSequences);
}
