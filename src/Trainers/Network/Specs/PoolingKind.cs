namespace MLNet.Extensions.Trainers.Network.Specs;

/// <summary>How a pooling window is reduced.</summary>
public enum PoolingKind
{
    /// <summary>Largest value in the window.</summary>
    Max,
    /// <summary>Mean of the in-bounds values in the window.</summary>
    Average,
}
