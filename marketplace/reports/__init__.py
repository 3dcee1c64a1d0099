"""Programme reporting: the OCOP programme dashboard for officers, with CSV and XLSX exports."""
