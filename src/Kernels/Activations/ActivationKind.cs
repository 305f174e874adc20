namespace MLNet.Extensions.Kernels.Activations;

/// <summary>Elementwise nonlinearities a layer can apply.</summary>
public enum ActivationKind
{
    /// <summary>max(0, x).</summary>
    Relu,
    /// <summary>x for x &gt; 0, slope * x otherwise.</summary>
    LeakyRelu,
    /// <summary>tanh(x).</summary>
    Tanh,
    /// <summary>1 / (1 + exp(-x)).</summary>
    Sigmoid,
}
