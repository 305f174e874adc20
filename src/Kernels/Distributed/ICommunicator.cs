namespace MLNet.Extensions.Kernels.Distributed;

/// <summary>
/// The collective operations data-parallel training needs from a group of processes (ranks). Every rank must call the
/// same operations in the same order with spans of the same length; the spans are updated in place.
/// </summary>
public interface ICommunicator
{
    /// <summary>This process's index in the group, from 0 to <see cref="Size"/> - 1.</summary>
    int Rank { get; }

    /// <summary>Processes in the group.</summary>
    int Size { get; }

    /// <summary>What the communicator runs on (library and version), for logs.</summary>
    string Description { get; }

    /// <summary>Replaces <paramref name="values"/> on every rank with the element-wise sum over all ranks.</summary>
    void AllreduceSum(Span<float> values);

    /// <summary>Replaces <paramref name="values"/> on every rank with the element-wise sum over all ranks.</summary>
    void AllreduceSum(Span<double> values);

    /// <summary>Replaces <paramref name="values"/> on every rank with the element-wise maximum over all ranks.</summary>
    void AllreduceMax(Span<double> values);

    /// <summary>Copies <paramref name="values"/> of rank <paramref name="root"/> into <paramref name="values"/> of every other rank.</summary>
    void Broadcast(Span<float> values, int root);

    /// <summary>Returns once every rank has called it.</summary>
    void Barrier();

    /// <summary>
    /// Ends every rank of the group at once after <paramref name="message"/> is written to the standard error: the way out when
    /// this rank cannot follow the others into their next collective (they would wait forever).
    /// </summary>
    void Abort(string message, int exitCode = 1);
}
