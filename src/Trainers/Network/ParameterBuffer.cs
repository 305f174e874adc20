namespace MLNet.Extensions.Trainers.Network;

/// <summary>
/// The flat storage of a network: every trained parameter in one array and its gradient in another of the same layout
/// (so one allreduce can sum a step's gradient across processes), plus non-trained state such as running statistics.
/// </summary>
internal sealed class ParameterBuffer
{
    public ParameterBuffer(int parameterCount, int stateCount)
    {
        Values = new float[parameterCount];
        Gradients = new float[parameterCount];
        State = new float[stateCount];
    }

    /// <summary>Trained parameters.</summary>
    public float[] Values { get; }

    /// <summary>Gradient of the current step, same layout as <see cref="Values"/>.</summary>
    public float[] Gradients { get; }

    /// <summary>Non-trained state saved with the model.</summary>
    public float[] State { get; }

    /// <summary>Clears the gradient before a step (backward passes accumulate).</summary>
    public void ZeroGradients() => Array.Clear(Gradients);
}
