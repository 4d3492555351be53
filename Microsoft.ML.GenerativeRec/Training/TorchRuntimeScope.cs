using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>
/// Sets TorchSharp's process-wide state for one <c>Fit</c> (thread count, seed) and restores the thread count on
/// dispose, so a training run never changes the settings of the code around it.
/// </summary>
/// <remarks>
/// Torch's global generator serves two streams of <see cref="RandomStreams"/>: it is seeded with the initialisation
/// stream here, for the modules built next, and with the dropout stream by <see cref="StartDropoutStream"/> once they
/// are built. Each is seeded once per <c>Fit</c>, not per epoch: each epoch must draw new dropout masks.
/// </remarks>
internal sealed class TorchRuntimeScope : IDisposable
{
    private readonly int _previousThreads;
    private readonly RandomStreams _streams;

    public TorchRuntimeScope(int? numberOfThreads, RandomStreams streams)
    {
        _previousThreads = get_num_threads();
        if (numberOfThreads is { } threads)
        {
            set_num_threads(threads);
        }

        _streams = streams;
        manual_seed(unchecked((long)streams.Initialisation));
    }

    /// <summary>Reseeds torch's global generator with the dropout stream: call once the model is initialised.</summary>
    public void StartDropoutStream() => manual_seed(unchecked((long)_streams.Dropout));

    public void Dispose() => set_num_threads(_previousThreads);

    /// <summary>The device for <paramref name="requested"/>, or an exception naming what is missing.</summary>
    /// <exception cref="NotSupportedException">CUDA was requested and TorchSharp reports no usable GPU.</exception>
    public static Device ResolveDevice(ComputeDevice requested)
    {
        bool cuda = cuda_is_available();
        return requested switch
        {
            ComputeDevice.Cpu => CPU,
            ComputeDevice.Cuda when cuda => CUDA,
            ComputeDevice.Cuda => throw new NotSupportedException(
                "ComputeDevice.Cuda was requested but TorchSharp reports no usable CUDA device. Reference a CUDA runtime " +
                "package (TorchSharp-cuda-windows or TorchSharp-cuda-linux) instead of TorchSharp-cpu, or use ComputeDevice.Auto."),
            _ => cuda ? CUDA : CPU,
        };
    }
}
