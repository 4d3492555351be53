using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>
/// Sets TorchSharp's process-wide state for one <c>Fit</c> (thread count, seed) and restores the thread count on
/// dispose, so a training run never changes the settings of the code around it.
/// </summary>
internal sealed class TorchRuntimeScope : IDisposable
{
    private readonly int _previousThreads;

    public TorchRuntimeScope(int? numberOfThreads, int seed)
    {
        _previousThreads = get_num_threads();
        if (numberOfThreads is { } threads)
        {
            set_num_threads(threads);
        }

        // Seeded once per Fit (not per epoch: each epoch must draw new dropout masks and negatives).
        manual_seed(seed);
    }

    public void Dispose() => set_num_threads(_previousThreads);

    /// <summary>The device for <paramref name="requested"/>, or an exception naming what is missing.</summary>
    /// <exception cref="NotSupportedException">CUDA was requested and TorchSharp reports no usable GPU.</exception>
    public static Device ResolveDevice(ComputeDevice requested)
    {
        TorchNativeLibrary.EnsureLoaded();                  // names a libtorch that shadows TorchSharp's (issue #16)
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
