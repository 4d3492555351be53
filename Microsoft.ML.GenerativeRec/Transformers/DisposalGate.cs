namespace Microsoft.ML.GenerativeRec.Transformers;

/// <summary>
/// Lets calls into an object with native memory run until it is disposed; disposal then waits for the calls in
/// flight and every later call throws <see cref="ObjectDisposedException"/>.
/// </summary>
/// <remarks>
/// A counter, not a lock: calls never wait for each other. <see cref="Enter"/> counts the call first and checks for
/// disposal second, and <see cref="Close"/> marks disposal first and reads the count second; with full fences on both
/// sides, a call that passes its check is always counted before <see cref="Close"/> reads the count.
/// </remarks>
internal sealed class DisposalGate
{
    private readonly object _owner;
    private int _active;
    private int _closed;

    /// <param name="owner">The object named in <see cref="ObjectDisposedException"/>.</param>
    public DisposalGate(object owner)
    {
        _owner = owner;
    }

    /// <summary>Whether <see cref="Close"/> has been called.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Counts a call until the returned scope is disposed.</summary>
    /// <exception cref="ObjectDisposedException">The owner has been disposed.</exception>
    public Scope Enter()
    {
        Interlocked.Increment(ref _active);
        if (IsClosed)
        {
            Interlocked.Decrement(ref _active);
            throw new ObjectDisposedException(_owner.GetType().Name);
        }

        return new Scope(this);
    }

    /// <summary>Refuses new calls and waits for those in flight.</summary>
    /// <returns>True for the first call, which should then free the owner's memory; false afterwards.</returns>
    public bool Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return false;
        }

        SpinWait.SpinUntil(() => Volatile.Read(ref _active) == 0);
        return true;
    }

    /// <summary>One counted call.</summary>
    public readonly struct Scope(DisposalGate gate) : IDisposable
    {
        /// <summary>Ends the call.</summary>
        public void Dispose() => Interlocked.Decrement(ref gate._active);
    }
}
