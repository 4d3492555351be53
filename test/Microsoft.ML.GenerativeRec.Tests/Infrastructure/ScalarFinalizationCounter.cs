using System.Diagnostics.Tracing;
using TorchSharp;

namespace Microsoft.ML.GenerativeRec.Tests.Infrastructure;

/// <summary>
/// Counts the TorchSharp <see cref="Scalar"/>s that the finalizer frees: those created by an implicit number → Scalar
/// conversion and never disposed. A disposed Scalar suppresses its finalizer and is not counted.
/// </summary>
/// <remarks>
/// TorchSharp keeps no count of its Scalars (they are not registered in dispose scopes either), so this listens to the
/// runtime's own <c>FinalizeObject</c> event (GC keyword, verbose), which carries the finalized object's method table,
/// and keeps those of <see cref="Scalar"/>. <see cref="Collect"/> forces the collections that finalize every
/// unreachable Scalar and waits until the events have been dispatched (the listener receives them asynchronously).
/// </remarks>
internal sealed class ScalarFinalizationCounter : EventListener
{
    private const EventKeywords GCKeyword = (EventKeywords)0x1;
    private static readonly ulong ScalarTypeId = (ulong)typeof(Scalar).TypeHandle.Value;
    private long _count;

    /// <summary>Gets the Scalars finalized since the listener started.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Finalizes every unreachable object and returns <see cref="Count"/> once the events have arrived.</summary>
    public long Collect()
    {
        long before;
        int quiet = 0;
        do
        {
            before = Count;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Thread.Sleep(200);
            quiet = Count == before ? quiet + 1 : 0;
        }
        while (quiet < 2);
        return Count;
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(eventSource, EventLevel.Verbose, GCKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName != "FinalizeObject" || eventData.PayloadNames is null)
            return;
        int index = eventData.PayloadNames.IndexOf("TypeID");
        if (index < 0)
            return;
        // The payload is boxed as IntPtr (an exception thrown here would be swallowed by EventListener).
        ulong typeId = eventData.Payload![index] switch { IntPtr p => (ulong)(long)p, ulong u => u, _ => 0 };
        if (typeId == ScalarTypeId)
            Interlocked.Increment(ref _count);
    }
}
