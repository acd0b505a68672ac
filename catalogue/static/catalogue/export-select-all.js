// The export page's "Select all": ticks or clears every field (django-import-export wires it
// with an inline onchange, which the content security policy blocks).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".select-toggle").forEach((toggle) => {
    toggle.addEventListener("change", () => {
      document.querySelectorAll('.selectable-field-export-row input[type="checkbox"]').forEach((checkbox) => {
        checkbox.checked = toggle.checked;
      });
    });
  });
});
